#pragma once
// Structure files: extended XYZ (as ASE writes it) and LAMMPS data files
// (atom_style atomic, orthogonal box).
//
// Every reader throws InputError("FILE:LINE: what is wrong") on bad input:
// a missing column, a non-number (hexadecimal "0x10" included), a NaN or
// infinite coordinate, an atom count that does not match, a box of zero
// volume, a non-orthogonal box, a key or header line given twice, and
// geometry a double cannot hold exactly enough: a coordinate or box length
// over 1e8 in magnitude, a periodic box length under 1e-6, a coordinate more
// than 1e4 box lengths outside its periodic box ("FILE: cannot open: why" for
// a file that cannot be opened).
// Every writer writes to a temporary file beside the target and renames it
// into place, so an error never leaves a half-written file.
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "strider/frame.hpp"

namespace strider {

enum class FileFormat { ExtXYZ, LammpsData };

// Format from the file name: .xyz / .extxyz -> ExtXYZ; .data / .lmp / .lammps -> LammpsData.
// Throws InputError for any other extension.
FileFormat format_from_path(const std::string& path);

// Extended XYZ. `source` names the stream in error messages. A file of
// several frames (a trajectory) gives them all. The writer keeps every double
// bit for bit, but not Box::lo (extxyz has no origin: it reads back as zero).
// Species: the writer puts a chemical symbol in the `species` column and, when
// a type name is not one ("A", "B", "CSH"), the type names in a `type_name`
// column; the reader takes Frame::species from `type_name` when present, else
// from `species` (files of either form; shared/structure-files.md).
std::vector<Frame> read_extxyz(std::istream& in, const std::string& source);
std::vector<Frame> read_extxyz_file(const std::string& path);
void write_extxyz(std::ostream& out, const Frame& frame);
void write_extxyz_file(const std::string& path, const std::vector<Frame>& frames);

// LAMMPS data. Atom types are numbered from 1 in the order of `species_order`
// (the potential's species list). The title line written by strider carries
// "system=KEY species=A,B pbc=T,T,T" so a round trip keeps the system, names
// and periodicity; a data file without it needs species_order given, and is
// taken as periodic along all three axes. Atoms come back sorted by id, with
// image flags applied. A free axis is written with the frame's box if it holds
// every atom, else with a box around the atoms and a margin.
Frame read_lammps_data(std::istream& in, const std::string& source,
                       const std::vector<std::string>& species_order);
Frame read_lammps_data_file(const std::string& path, const std::vector<std::string>& species_order);
void write_lammps_data(std::ostream& out, const Frame& frame,
                       const std::vector<std::string>& species_order,
                       const std::vector<double>& masses);
void write_lammps_data_file(const std::string& path, const Frame& frame,
                            const std::vector<std::string>& species_order,
                            const std::vector<double>& masses);

// Reads the first (or only) structure of a file in either format.
// species_order is used for LAMMPS data files only (may be empty for extxyz).
Frame read_structure_file(const std::string& path, const std::vector<std::string>& species_order = {});

}  // namespace strider

namespace strider::io {

// A file written in pieces into a new temporary file PATH.tmp-XXXXXX beside
// `path` (created exclusively), renamed onto `path` by commit(). Destroyed
// without commit() (an error, an interrupted run), it removes the temporary
// file and leaves `path` as it was. Errors throw InputError("PATH: cannot write: why").
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(std::string_view text);
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

// `contents` as the whole of `path`, through an AtomicFile.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace strider::io

namespace strider {

// An extxyz trajectory written frame by frame as a run makes them (nothing held
// in memory), in place at `path` only once finish() is called: an error or an
// interrupted run leaves `path` as it was.
class ExtxyzTrajectory {
 public:
  explicit ExtxyzTrajectory(const std::string& path) : file_(path) {}
  // InputError("PATH: frame K: what") for a frame that cannot be written.
  void write(const Frame& frame);
  void finish() { file_.commit(); }
  long frames() const { return frames_; }

 private:
  io::AtomicFile file_;
  long frames_ = 0;
};

}  // namespace strider
