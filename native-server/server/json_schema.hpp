#pragma once
// A validator for the subset of JSON Schema that shared/api/ uses for requests:
// type (one or a list), properties, required, additionalProperties (false or a
// schema), enum, minimum, maximum, minLength, maxLength, minItems, items, pattern.
// Annotations ($schema, $id, title, description) are ignored; any other keyword
// is refused when the validator is built, so a schema never silently checks less.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace strider::server {

struct SchemaViolation {
  std::string path;     // where in the document, "options.epochs"; "" for the root
  std::string message;  // what is wrong there
};

class JsonSchema {
 public:
  // Throws std::invalid_argument on a keyword outside the subset.
  explicit JsonSchema(nlohmann::json schema);
  // The first violation found, or nullopt when the document conforms.
  std::optional<SchemaViolation> validate(const nlohmann::json& document) const;

 private:
  nlohmann::json schema_;
};

}  // namespace strider::server
