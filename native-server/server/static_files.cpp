#include "static_files.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace strider::server {

namespace fs = std::filesystem;

std::string content_type_of(const std::string& name) {
  static const std::map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript"},      {".mjs", "text/javascript"},
      {".css", "text/css"},                   {".json", "application/json"},  {".wasm", "application/wasm"},
      {".svg", "image/svg+xml"},              {".png", "image/png"},          {".ico", "image/x-icon"},
      {".xyz", "text/plain; charset=utf-8"},  {".csv", "text/csv"},           {".txt", "text/plain; charset=utf-8"},
      {".log", "text/plain; charset=utf-8"},  {".weights", "text/plain; charset=utf-8"}, {".map", "application/json"}};
  const auto it = types.find(fs::path(name).extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::optional<StaticFile> read_static_file(const std::string& root, const std::string& url_path) {
  if (url_path.empty() || url_path[0] != '/' || url_path.find('\0') != std::string::npos ||
      url_path.find('\\') != std::string::npos) {
    return std::nullopt;
  }
  const fs::path relative = fs::path(url_path == "/" ? "index.html" : url_path.substr(1)).lexically_normal();
  for (const auto& part : relative) {
    if (part == "..") return std::nullopt;
  }
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(base / relative, ec);  // follows links: where it really is
  if (ec || !fs::is_regular_file(file)) return std::nullopt;
  const auto [end, unused] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (end != base.end()) return std::nullopt;  // a link out of the folder
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return StaticFile{content.str(), content_type_of(file.string())};
}

}  // namespace strider::server
