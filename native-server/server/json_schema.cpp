#include "json_schema.hpp"

#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>

namespace strider::server {

namespace {

using nlohmann::json;

void check_keywords(const json& schema) {
  static const std::set<std::string> known{"$schema", "$id", "title", "description", "type", "properties",
                                           "required", "additionalProperties", "enum", "minimum", "maximum",
                                           "minLength", "maxLength", "minItems", "items", "pattern"};
  if (!schema.is_object()) throw std::invalid_argument("a schema must be an object");
  for (const auto& [key, value] : schema.items()) {
    if (!known.count(key)) throw std::invalid_argument("unsupported schema keyword '" + key + "'");
    if (key == "properties") {
      for (const auto& [name, sub] : value.items()) check_keywords(sub);
    } else if ((key == "additionalProperties" && value.is_object()) || key == "items") {
      check_keywords(value);
    }
  }
}

bool has_type(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double x = value.get<double>();
    return std::isfinite(x) && x == std::floor(x);
  }
  throw std::invalid_argument("unknown schema type '" + type + "'");
}

std::string join(const std::string& path, const std::string& name) { return path.empty() ? name : path + "." + name; }

std::string type_name(const json& value) {
  return value.is_number() ? "number" : std::string(value.type_name());
}

std::optional<SchemaViolation> check(const json& schema, const json& value, const std::string& path) {
  auto fail = [&](std::string message) { return std::optional<SchemaViolation>(SchemaViolation{path, std::move(message)}); };
  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    std::string expected;
    for (const json& one : t->is_array() ? *t : json::array({*t})) {
      ok = ok || has_type(value, one.get<std::string>());
      expected += (expected.empty() ? "" : " or ") + one.get<std::string>();
    }
    if (!ok) return fail("must be " + expected + ", got " + type_name(value));
  }
  if (auto e = schema.find("enum"); e != schema.end()) {
    bool ok = false;
    for (const json& option : *e) ok = ok || option == value;
    if (!ok) return fail("must be one of " + e->dump() + ", got " + value.dump());
  }
  if (value.is_number()) {
    const double x = value.get<double>();
    if (auto m = schema.find("minimum"); m != schema.end() && x < m->get<double>()) {
      return fail("must be at least " + m->dump() + ", got " + value.dump());
    }
    if (auto m = schema.find("maximum"); m != schema.end() && x > m->get<double>()) {
      return fail("must be at most " + m->dump() + ", got " + value.dump());
    }
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (auto m = schema.find("minLength"); m != schema.end() && s.size() < m->get<std::size_t>()) {
      return fail(s.empty() ? "must not be empty" : "must be at least " + m->dump() + " characters long");
    }
    if (auto m = schema.find("maxLength"); m != schema.end() && s.size() > m->get<std::size_t>()) {
      return fail("must be at most " + m->dump() + " characters long");
    }
    if (auto p = schema.find("pattern"); p != schema.end() && !std::regex_search(s, std::regex(p->get<std::string>()))) {
      return fail("must match " + p->get<std::string>());
    }
  }
  if (value.is_array()) {
    if (auto m = schema.find("minItems"); m != schema.end() && value.size() < m->get<std::size_t>()) {
      return fail("needs at least " + m->dump() + " items, got " + std::to_string(value.size()));
    }
    if (auto items = schema.find("items"); items != schema.end()) {
      for (std::size_t k = 0; k < value.size(); ++k) {
        if (auto v = check(*items, value[k], path + "[" + std::to_string(k) + "]")) return v;
      }
    }
  }
  if (value.is_object()) {
    if (auto r = schema.find("required"); r != schema.end()) {
      for (const json& name : *r) {
        if (!value.contains(name.get<std::string>())) {
          return std::optional<SchemaViolation>(SchemaViolation{join(path, name.get<std::string>()), "is required"});
        }
      }
    }
    const json properties = schema.value("properties", json::object());
    const auto additional = schema.find("additionalProperties");
    for (const auto& [name, sub] : value.items()) {
      const std::string where = join(path, name);
      if (auto p = properties.find(name); p != properties.end()) {
        if (auto v = check(*p, sub, where)) return v;
      } else if (additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>()) {
          std::string known;
          for (const auto& [k, unused] : properties.items()) known += (known.empty() ? "" : ", ") + k;
          return std::optional<SchemaViolation>(SchemaViolation{where, "is not a known field (known: " + known + ")"});
        }
        if (additional->is_object()) {
          if (auto v = check(*additional, sub, where)) return v;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

JsonSchema::JsonSchema(nlohmann::json schema) : schema_(std::move(schema)) { check_keywords(schema_); }

std::optional<SchemaViolation> JsonSchema::validate(const nlohmann::json& document) const {
  return check(schema_, document, "");
}

}  // namespace strider::server
