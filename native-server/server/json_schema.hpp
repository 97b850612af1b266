#pragma once
// Validating a JSON document against a JSON Schema with valijson (Debian's
// libvalijson-dev, draft 7 rules; shared/api/README.md lists the keywords the
// API's schemas use), reporting the first violation with the path of the field.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <valijson/schema.hpp>

namespace strider::server {

struct SchemaViolation {
  std::string path;     // where in the document, "options.epochs", "dataset[1]"; "" for the root
  std::string message;  // what is wrong there
};

class JsonSchema {
 public:
  // Throws std::exception on a schema valijson cannot parse.
  explicit JsonSchema(const nlohmann::json& schema);
  // The first violation found, or nullopt when the document conforms.
  std::optional<SchemaViolation> validate(const nlohmann::json& document) const;

 private:
  nlohmann::json text_;      // the schema as given, for the messages
  valijson::Schema schema_;  // the schema as valijson checks it
};

}  // namespace strider::server
