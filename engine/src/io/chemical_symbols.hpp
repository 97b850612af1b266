#pragma once
// The chemical symbol an extxyz file's `species` column shows for a model's type name,
// so that ASE, OVITO and other element-based readers accept every file strider writes
// (shared/structure-files.md). Private to engine/src/io.
#include <string>

namespace strider::io {

// The symbol written for `type_name`: the model types that are not elements get a stand-in
// ("A" -> "Ar", "B" -> "Ne", "CSH" -> "Ca"); any other name ("Si", "X") is written as it is.
const std::string& chemical_symbol(const std::string& type_name);

}  // namespace strider::io
