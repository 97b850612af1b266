#include "json_schema.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace strider::server {

namespace {

using nlohmann::json;

// The document as valijson's nlohmann adapter should see it. JSON Schema counts 4.0 as an
// integer, the adapter only numbers written without a fraction: integral floats become
// integers. The adapter reads every integer as int64_t, so an unsigned one above its range
// (2^63) would wrap to a negative number: it becomes INT64_MAX, which compares with any
// minimum or maximum a schema can hold as the true value does.
json as_valijson_reads(const json& value) {
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) return INT64_MAX;
  if (value.is_number_float()) {
    const double x = value.get<double>();
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9e18) return static_cast<std::int64_t>(x);
    return value;
  }
  if (!value.is_structured()) return value;
  json out = value;
  for (auto it = out.begin(); it != out.end(); ++it) *it = as_valijson_reads(*it);
  return out;
}

// The schema that applies at valijson's context ("<root>", "[generate]", "[count]", "[1]"), and
// the context as a field path ("generate.count", "dataset[1]").
const json* schema_at(const json& root, const std::vector<std::string>& context, std::string& path) {
  const json* schema = &root;
  for (const std::string& part : context) {
    if (part.size() < 2 || part.front() != '[' || part.back() != ']') continue;  // "<root>"
    const std::string name = part.substr(1, part.size() - 2);
    const bool index = !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
    path += index ? part : (path.empty() ? "" : ".") + name;
    const json* next = nullptr;
    if (schema && schema->is_object()) {
      if (index && schema->contains("items")) next = &schema->at("items");
      else if (schema->contains("properties") && schema->at("properties").contains(name)) next = &schema->at("properties").at(name);
      else if (schema->contains("additionalProperties")) next = &schema->at("additionalProperties");
    }
    schema = next;
  }
  return schema;
}

std::string join(const std::string& path, const std::string& name) { return path.empty() ? name : path + "." + name; }

// The property a valijson description quotes last: "Missing required property 'count'." -> count.
std::string quoted_name(const std::string& description) {
  const std::size_t end = description.rfind('\'');
  const std::size_t start = end == std::string::npos ? end : description.rfind('\'', end - 1);
  return start == std::string::npos ? "" : description.substr(start + 1, end - start - 1);
}

std::string type_name(const json& value) { return value.is_number() ? "number" : std::string(value.type_name()); }

// What is wrong, in the words of the schema's keyword that valijson's description names.
std::string message(const std::string& description, const json& schema, const json* value) {
  const std::string got = value ? ", got " + value->dump() : "";
  auto has = [&](const char* keyword) { return schema.is_object() && schema.contains(keyword); };
  if (description.find("enum") != std::string::npos && has("enum")) return "must be one of " + schema["enum"].dump() + got;
  if (description.find("'type'") != std::string::npos && has("type")) {
    std::string expected;
    for (const json& one : schema["type"].is_array() ? schema["type"] : json::array({schema["type"]}))
      expected += (expected.empty() ? "" : " or ") + one.get<std::string>();
    return "must be " + expected + (value ? ", got " + type_name(*value) : "");
  }
  if (description.find("greater than") != std::string::npos && has("minimum"))
    return "must be at least " + schema["minimum"].dump() + got;
  if (description.find("less than") != std::string::npos && has("maximum"))
    return "must be at most " + schema["maximum"].dump() + got;
  if (description.find("no fewer than") != std::string::npos && has("minLength"))
    return value && value->is_string() && value->get_ref<const std::string&>().empty()
               ? "must not be empty"
               : "must be at least " + schema["minLength"].dump() + " characters long";
  if (description.find("no more than") != std::string::npos && has("maxLength"))
    return "must be at most " + schema["maxLength"].dump() + " characters long";
  if (description.find("no fewer than") != std::string::npos && has("minItems"))
    return "needs at least " + schema["minItems"].dump() + " items" + (value ? ", got " + std::to_string(value->size()) : "");
  if (description.find("pattern") != std::string::npos && has("pattern")) return "must match " + schema["pattern"].get<std::string>();
  return description;
}

// The value at a field path's context in the document (nullptr when absent).
const json* value_at(const json& document, const std::vector<std::string>& context) {
  const json* value = &document;
  for (const std::string& part : context) {
    if (part.size() < 2 || part.front() != '[' || part.back() != ']') continue;
    const std::string name = part.substr(1, part.size() - 2);
    if (value->is_array() && name.find_first_not_of("0123456789") == std::string::npos) {
      const std::size_t k = std::stoul(name);
      value = k < value->size() ? &(*value)[k] : nullptr;
    } else {
      value = value->is_object() && value->contains(name) ? &value->at(name) : nullptr;
    }
    if (!value) return nullptr;
  }
  return value;
}

}  // namespace

JsonSchema::JsonSchema(const json& schema) : text_(schema) {
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter adapter(schema);
  parser.populateSchema(adapter, schema_);
}

std::optional<SchemaViolation> JsonSchema::validate(const json& document) const {
  const json normalised = as_valijson_reads(document);
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  if (validator.validate(schema_, valijson::adapters::NlohmannJsonAdapter(normalised), &results)) return std::nullopt;
  // valijson lists the innermost violation first, then each enclosing schema's "failed to validate" note.
  valijson::ValidationResults::Error error;
  results.popError(error);
  const std::string& what = error.description;
  std::string path;
  const json* schema = schema_at(text_, error.context, path);
  if (what.rfind("Missing required property", 0) == 0) return SchemaViolation{join(path, quoted_name(what)), "is required"};
  if (what.find("could not be validated using 'properties' or 'additionalProperties'") != std::string::npos) {
    std::string known;
    if (schema && schema->contains("properties"))
      for (const auto& [name, unused] : schema->at("properties").items()) known += (known.empty() ? "" : ", ") + name;
    return SchemaViolation{join(path, quoted_name(what)), "is not a known field (known: " + known + ")"};
  }
  SchemaViolation violation{path, message(what, schema ? *schema : json(), value_at(document, error.context))};
  return violation;
}

}  // namespace strider::server
