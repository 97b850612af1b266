// Choosing a structure format by file name, and reading either one.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "strider/error.hpp"
#include "strider/io.hpp"

namespace strider {

FileFormat format_from_path(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".xyz" || extension == ".extxyz") return FileFormat::ExtXYZ;
  if (extension == ".data" || extension == ".lmp" || extension == ".lammps") return FileFormat::LammpsData;
  throw InputError(path + ": unknown structure format (expected .xyz, .extxyz, .data, .lmp or .lammps)");
}

Frame read_structure_file(const std::string& path, const std::vector<std::string>& species_order) {
  if (format_from_path(path) == FileFormat::LammpsData) return read_lammps_data_file(path, species_order);
  return read_extxyz_file(path).front();
}

}  // namespace strider
