#pragma once
// The web build's files, served read-only from one folder: no path may leave it.
#include <optional>
#include <string>

namespace strider::server {

struct StaticFile {
  std::string content;
  std::string content_type;
};

// The file at URL path `url_path` ("/" is index.html) inside folder `root`, or
// nullopt when it is missing or the path would leave the folder ("..", links out).
std::optional<StaticFile> read_static_file(const std::string& root, const std::string& url_path);

// A MIME type from a file name's extension.
std::string content_type_of(const std::string& name);

}  // namespace strider::server
