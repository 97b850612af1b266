// Structure files: extended XYZ and LAMMPS data readers, writers and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>

#include "strider/error.hpp"
#include "strider/io.hpp"

namespace fs = std::filesystem;
using namespace strider;

namespace {

const std::string kFixtures = std::string(STRIDER_TEST_DATA) + "/fixtures/";

// A fresh empty folder, removed with everything in it at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device random;
    path = fs::temp_directory_path() / ("strider-test-io-" + std::to_string(random()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  // Names of the entries in the folder.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// The message of the InputError that `action` throws ("(no error)" if none).
std::string input_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no error)";
}

// The InputError message of reading `text` as extended XYZ named "bad.xyz".
std::string extxyz_error(const std::string& text) {
  std::istringstream in(text);
  return input_error([&] { read_extxyz(in, "bad.xyz"); });
}

std::string lammps_error(const std::string& text, const std::vector<std::string>& species = {"A", "B"}) {
  std::istringstream in(text);
  return input_error([&] { read_lammps_data(in, "bad.data", species); });
}

std::vector<Frame> read_extxyz_text(const std::string& text) {
  std::istringstream in(text);
  return read_extxyz(in, "test.xyz");
}

// Bit-for-bit equality (so -0.0 differs from 0.0, and NaN from nothing).
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index k = 0; k < a.size(); ++k)
    if (!same_bits(a.data()[k], b.data()[k])) return false;
  return true;
}

// Awkward doubles: random bits over many magnitudes (10^-300 to 10^max_exponent), signed zeros, thirds.
Eigen::Matrix3Xd awkward_positions(int n, unsigned seed, int max_exponent = 300) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(-10.0, 10.0);
  std::uniform_int_distribution<int> exponent(-300, max_exponent);
  Eigen::Matrix3Xd x(3, n);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < 3; ++a) x(a, i) = uniform(engine) * (i % 4 == 3 ? std::pow(10.0, exponent(engine)) : 1.0);
  x(0, 0) = -0.0;
  x(1, 0) = 1.0 / 3.0;
  x(2, 0) = 0.1;
  return x;
}

Frame binary_frame(int n) {
  Frame frame;
  frame.positions = awkward_positions(n, 42, 3);  // the readers refuse coordinates 10^4 box lengths out
  for (int i = 0; i < n; ++i) frame.species.push_back(i % 3 == 0 ? "B" : "A");
  frame.box = Box::orthorhombic(Eigen::Vector3d(10.0 / 3.0, 7.1, 1e-3 + 20.0));
  return frame;
}

// A potential with species A and B, enough for to_system / to_frame.
class TwoSpecies : public Potential {
 public:
  double cutoff() const override { return 2.5; }
  const std::vector<std::string>& species_names() const override { return names_; }
  std::vector<double> masses() const override { return {1.0, 2.0}; }
  void compute(const System&, const NeighborList&, Evaluation&) const override {}

 private:
  std::vector<std::string> names_{"A", "B"};
};

}  // namespace

TEST_CASE("format_from_path picks the format by extension", "[io]") {
  CHECK(format_from_path("a/b/c.xyz") == FileFormat::ExtXYZ);
  CHECK(format_from_path("c.extxyz") == FileFormat::ExtXYZ);
  CHECK(format_from_path("C.XYZ") == FileFormat::ExtXYZ);
  CHECK(format_from_path("c.data") == FileFormat::LammpsData);
  CHECK(format_from_path("c.lmp") == FileFormat::LammpsData);
  CHECK(format_from_path("dir.x/c.lammps") == FileFormat::LammpsData);
  CHECK_THAT(input_error([&] { format_from_path("c.pdb"); }),
             Catch::Equals("c.pdb: unknown structure format (expected .xyz, .extxyz, .data, .lmp or .lammps)"));
  CHECK_THROWS_AS(format_from_path("xyz"), InputError);
}

TEST_CASE("extxyz: a file written by ASE is read with its metadata", "[io][extxyz]") {
  std::vector<Frame> frames = read_extxyz_file(kFixtures + "ase_written.xyz");
  REQUIRE(frames.size() == 3);

  const Frame& si = frames[0];
  REQUIRE(si.size() == 8);
  CHECK(std::all_of(si.species.begin(), si.species.end(), [](const std::string& s) { return s == "Si"; }));
  CHECK(si.box.periodic == std::array<bool, 3>{true, true, true});
  CHECK(si.box.length == Eigen::Vector3d::Constant(5.431));
  CHECK(si.box.lo == Eigen::Vector3d::Zero());
  CHECK(si.system_key == "sw-si");
  CHECK(si.energy == -34.7);
  CHECK(si.positions.col(1) == Eigen::Vector3d::Constant(1.35775));
  CHECK(si.positions.col(5) == Eigen::Vector3d(4.07325, 1.35775, 4.07325));
  REQUIRE(si.forces);
  CHECK(si.forces->col(0) == Eigen::Vector3d(-0.1, -0.09, -0.08));
  CHECK(si.forces->col(7) == Eigen::Vector3d(0.11, 0.12, 0.13));
  REQUIRE(si.per_atom_energy);
  CHECK(*si.per_atom_energy == Eigen::VectorXd::Constant(8, -4.3375));

  const Frame& cluster = frames[1];
  REQUIRE(cluster.size() == 3);
  CHECK(cluster.box.periodic == std::array<bool, 3>{false, false, false});
  CHECK(cluster.box.length == Eigen::Vector3d::Zero());
  CHECK(cluster.positions.col(2) == Eigen::Vector3d(1.91, 3.30822, 0.0));
  CHECK_FALSE(cluster.energy);
  CHECK_FALSE(cluster.forces);
  CHECK_FALSE(cluster.per_atom_energy);
  CHECK_FALSE(cluster.system_key);

  const Frame& slab = frames[2];
  CHECK(slab.box.periodic == std::array<bool, 3>{true, true, false});
  CHECK(slab.box.length == Eigen::Vector3d(10.0, 12.0, 0.0));
  CHECK(slab.positions.col(0) == Eigen::Vector3d(1.0, 2.0, -1.5));

  Frame first = read_structure_file(kFixtures + "ase_written.xyz");
  CHECK(first.size() == 8);
  CHECK(first.system_key == "sw-si");
}

TEST_CASE("extxyz: the comment line is parsed as ASE parses it", "[io][extxyz]") {
  SECTION("quoted, braced and bare values; booleans; case of the special keys") {
    auto frames = read_extxyz_text(
        "2\n"
        "lattice={3 0 0 0 4 0 0 0 5} pbc=\"True F true\" flag comment=\"a \\\"quoted\\\" = text\" "
        "system=\"my \\\"key\\\"\" properties=symbols:S:1:pos:R:3  energy = -1.5e2\n"
        "A 1 2 3\n"
        "B 0.5 0.25 -0.0\n");
    REQUIRE(frames.size() == 1);
    const Frame& f = frames[0];
    CHECK(f.box.length == Eigen::Vector3d(3, 4, 5));
    CHECK(f.box.periodic == std::array<bool, 3>{true, false, true});
    CHECK(f.system_key == "my \"key\"");
    CHECK(f.energy == -150.0);
    CHECK(f.species == std::vector<std::string>{"A", "B"});
    CHECK(f.positions.col(1) == Eigen::Vector3d(0.5, 0.25, 0.0));
    CHECK(std::signbit(f.positions(2, 1)));
  }
  SECTION("a Lattice without pbc is periodic; commas separate lists too") {
    auto frames = read_extxyz_text("1\nLattice=\"2,0,0,0,2,0,0,0,2\"\nAr 0 0 0\n");
    CHECK(frames[0].box.periodic == std::array<bool, 3>{true, true, true});
    CHECK(frames[0].box.length == Eigen::Vector3d::Constant(2.0));
  }
  SECTION("plain XYZ: any comment, default Properties, free box") {
    auto frames = read_extxyz_text("1\nmade by hand\r\nAr 1 2 3\r\n");
    CHECK(frames[0].box.periodic == std::array<bool, 3>{false, false, false});
    CHECK(frames[0].positions.col(0) == Eigen::Vector3d(1, 2, 3));
  }
  SECTION("other columns are skipped by their count; trailing blank lines are fine") {
    auto frames = read_extxyz_text(
        "1\nProperties=id:I:1:species:S:1:velo:R:3:pos:R:3:fixed:L:3:energies:R:1\n"
        "7 Ar 9 9 9 1 2 3 T F T -0.25\n\n\n");
    CHECK(frames[0].positions.col(0) == Eigen::Vector3d(1, 2, 3));
    REQUIRE(frames[0].per_atom_energy);
    CHECK((*frames[0].per_atom_energy)[0] == -0.25);
    CHECK_FALSE(frames[0].forces);
  }
  SECTION("a trajectory gives every frame") {
    auto frames = read_extxyz_text("1\nenergy=1\nAr 0 0 0\n2\nenergy=2\nAr 0 0 0\nAr 1 1 1\n");
    REQUIRE(frames.size() == 2);
    CHECK(frames[1].size() == 2);
    CHECK(frames[1].energy == 2.0);
  }
}

TEST_CASE("extxyz: malformed input is refused with FILE:LINE", "[io][extxyz][errors]") {
  const std::string cube = "Lattice=\"4 0 0 0 4 0 0 0 4\" pbc=\"T T T\"\n";
  CHECK(extxyz_error("") == "bad.xyz:1: empty file");
  CHECK(extxyz_error("\n\n") == "bad.xyz:2: empty file");
  CHECK(extxyz_error("abc\n\nAr 0 0 0\n") == "bad.xyz:1: atom count 'abc' is not a positive integer");
  CHECK(extxyz_error("0\n\n") == "bad.xyz:1: atom count '0' is not a positive integer");
  CHECK(extxyz_error("-2\n\n") == "bad.xyz:1: atom count '-2' is not a positive integer");
  CHECK(extxyz_error("2.5\n\n") == "bad.xyz:1: atom count '2.5' is not a positive integer");
  CHECK(extxyz_error("99999999999\n\n") == "bad.xyz:1: atom count '99999999999' is not a positive integer");
  CHECK(extxyz_error("2\n") == "bad.xyz:2: file ends before the comment line of the frame on line 1");
  CHECK(extxyz_error("3\n\nAr 0 0 0\n") == "bad.xyz:4: file ends after 1 of the 3 atom lines announced on line 1");
  CHECK(extxyz_error("1\n\nAr 0 0 0\nAr 1 1 1\n") ==
        "bad.xyz:4: atom count 'Ar 1 1 1' is not a positive integer "
        "(does the previous frame have more atom lines than its count?)");
  CHECK(extxyz_error("1\n\nAr 0 0\n") == "bad.xyz:3: atom 1: 3 columns, expected 4");
  CHECK(extxyz_error("1\n\nAr 0 0 0 0\n") == "bad.xyz:3: atom 1: 5 columns, expected 4");
  CHECK(extxyz_error("2\n\nAr 0 0 0\nAr 1.0x 0 0\n") == "bad.xyz:4: x of atom 2: '1.0x' is not a number");
  CHECK(extxyz_error("1\n\nAr 0 abc 0\n") == "bad.xyz:3: y of atom 1: 'abc' is not a number");
  CHECK(extxyz_error("1\n\nAr 0 0 nan\n") == "bad.xyz:3: z of atom 1: 'nan' is not a finite number");
  CHECK(extxyz_error("1\n\nAr inf 0 0\n") == "bad.xyz:3: x of atom 1: 'inf' is not a finite number");
  CHECK(extxyz_error("1\n\nAr -Infinity 0 0\n") == "bad.xyz:3: x of atom 1: '-Infinity' is not a finite number");
  CHECK(extxyz_error("1\n\nAr 1e999 0 0\n") == "bad.xyz:3: x of atom 1: '1e999' is not a finite number");
  CHECK(extxyz_error("1\nProperties=species:S:1:pos:R:3:forces:R:3\nAr 0 0 0 0 NaN 0\n") ==
        "bad.xyz:3: force y of atom 1: 'NaN' is not a finite number");
  CHECK(extxyz_error("1\nenergy=low\nAr 0 0 0\n") == "bad.xyz:2: energy: 'low' is not a number");
  CHECK(extxyz_error("1\nLattice=\"4 0 0 0.5 4 0 0 0 4\"\nAr 0 0 0\n") ==
        "bad.xyz:2: non-orthogonal lattice is not supported");
  CHECK(extxyz_error("1\nLattice=\"4 0 0 0 4 0 0 0\"\nAr 0 0 0\n") == "bad.xyz:2: Lattice has 8 numbers (expected 9)");
  CHECK(extxyz_error("1\nLattice=\"4 0 0 0 0 0 0 0 4\"\nAr 0 0 0\n") ==
        "bad.xyz:2: box of zero or negative volume: Lattice vector 2 has length 0");
  CHECK(extxyz_error("1\nLattice=\"4 0 0 0 4 0 0 0 -4\" pbc=\"T T F\"\nAr 0 0 0\n") ==
        "bad.xyz:2: box of zero or negative volume: Lattice vector 3 has length -4");
  CHECK(extxyz_error("1\npbc=\"T T T\"\nAr 0 0 0\n") == "bad.xyz:2: pbc has a periodic axis but there is no Lattice");
  CHECK(extxyz_error("1\n" + cube.substr(0, cube.size() - 1) + " pbc=\"T T\"\nAr 0 0 0\n") ==
        "bad.xyz:2: pbc=\"T T\" is not three of T/F");
  CHECK(extxyz_error("1\nsystem=\"lj\nAr 0 0 0\n") == "bad.xyz:2: unterminated quote in the comment line");
  CHECK(extxyz_error("1\n=3\nAr 0 0 0\n") == "bad.xyz:2: a value without a key in the comment line");
  CHECK(extxyz_error("1\nProperties=species:S:1:pos:R\nAr 0 0 0\n") ==
        "bad.xyz:2: Properties='species:S:1:pos:R' is not a list of name:type:count");
  CHECK(extxyz_error("1\nProperties=species:S:1:pos:R:2\nAr 0 0\n") == "bad.xyz:2: Properties: column 'pos' must be R:3");
  CHECK(extxyz_error("1\nProperties=species:S:1:pos:X:3\nAr 0 0 0\n") ==
        "bad.xyz:2: Properties: column 'pos' has type 'X' (expected S, R, I or L)");
  CHECK(extxyz_error("1\nProperties=species:S:1:xyz:R:3\nAr 0 0 0\n") == "bad.xyz:2: Properties has no pos column");
  CHECK(extxyz_error("1\nProperties=pos:R:3\n0 0 0\n") == "bad.xyz:2: Properties has no species column");
}

TEST_CASE("extxyz: missing or unreadable files", "[io][extxyz][errors]") {
  TempDir dir;
  CHECK_THAT(input_error([&] { read_extxyz_file(dir.file("none.xyz")); }),
             Catch::Equals(dir.file("none.xyz") + ": cannot open: no such file"));
  CHECK_THAT(input_error([&] { read_structure_file(dir.path.string() + "/"); }),
             Catch::Contains("unknown structure format"));
  fs::create_directory(dir.file("folder.xyz"));
  CHECK_THAT(input_error([&] { read_structure_file(dir.file("folder.xyz")); }),
             Catch::Equals(dir.file("folder.xyz") + ": cannot open: is a directory"));
}

TEST_CASE("extxyz: writing then reading keeps every bit", "[io][extxyz]") {
  TempDir dir;
  Frame a = binary_frame(40);
  a.box.periodic[2] = false;
  a.system_key = "lj-binary";
  a.energy = -123.456789012345678;
  a.forces = awkward_positions(40, 7);
  a.per_atom_energy = Eigen::VectorXd::LinSpaced(40, -1.0 / 7.0, 3.0 / 11.0);
  Frame b = binary_frame(5);
  b.box = Box::free();
  b.system_key = "odd key \"quoted\"";

  write_extxyz_file(dir.file("t.xyz"), {a, b});
  std::vector<Frame> back = read_extxyz_file(dir.file("t.xyz"));
  REQUIRE(back.size() == 2);
  CHECK(same_bits(back[0].positions, a.positions));
  CHECK(back[0].species == a.species);
  CHECK(same_bits(back[0].box.length, a.box.length));
  CHECK(back[0].box.periodic == a.box.periodic);
  CHECK(back[0].system_key == a.system_key);
  REQUIRE(back[0].energy);
  CHECK(same_bits(*back[0].energy, *a.energy));
  REQUIRE(back[0].forces);
  CHECK(same_bits(*back[0].forces, *a.forces));
  REQUIRE(back[0].per_atom_energy);
  CHECK(same_bits(*back[0].per_atom_energy, *a.per_atom_energy));

  CHECK(same_bits(back[1].positions, b.positions));
  CHECK(back[1].box.periodic == std::array<bool, 3>{false, false, false});
  CHECK(back[1].box.length == Eigen::Vector3d::Zero());
  CHECK(back[1].system_key == b.system_key);
  CHECK_FALSE(back[1].energy);
  CHECK_FALSE(back[1].forces);

  // The comment line as ASE expects it.
  std::ostringstream out;
  Frame c;
  c.positions = Eigen::Matrix3Xd::Zero(3, 1);
  c.species = {"Si"};
  c.box = Box::cubic(5.43);
  c.energy = -4.25;
  c.system_key = "sw-si";
  write_extxyz(out, c);
  CHECK(out.str().substr(0, out.str().find('\n', 2) + 1) ==
        "1\nLattice=\"5.43 0 0 0 5.43 0 0 0 5.43\" Properties=species:S:1:pos:R:3 energy=-4.25 system=sw-si "
        "pbc=\"T T T\"\n");
}

TEST_CASE("writers refuse bad frames and never leave a partial file", "[io][errors]") {
  TempDir dir;
  const std::string target = dir.file("out.xyz");
  spit(target, "previous contents\n");
  Frame bad = binary_frame(4);
  bad.positions(1, 2) = std::numeric_limits<double>::quiet_NaN();

  CHECK_THAT(input_error([&] { write_extxyz_file(target, {bad}); }),
             Catch::Equals(target + ": atom 3: non-finite position"));
  CHECK_THAT(input_error([&] { write_extxyz_file(target, {binary_frame(2), bad}); }),
             Catch::Equals(target + ": frame 2: atom 3: non-finite position"));
  CHECK_THAT(input_error([&] { write_lammps_data_file(dir.file("out.data"), bad, {"A", "B"}, {1.0, 2.0}); }),
             Catch::Equals(dir.file("out.data") + ": atom 3: non-finite position"));
  Frame unnamed = binary_frame(2);
  unnamed.species[1] = "C";
  CHECK_THAT(input_error([&] { write_lammps_data_file(dir.file("out.data"), unnamed, {"A", "B"}, {1.0, 2.0}); }),
             Catch::Equals(dir.file("out.data") + ": atom 2: species 'C' is not one of A,B"));
  Frame blank = binary_frame(2);
  blank.species[0] = "A B";
  CHECK_THROWS_AS(write_extxyz_file(target, {blank}), InputError);
  CHECK_THAT(input_error([&] { write_extxyz_file(target, {}); }),
             Catch::Equals(target + ": no frames to write"));
  CHECK(slurp(target) == "previous contents\n");
  CHECK(dir.entries() == std::vector<std::string>{"out.xyz"});

  // Failures of the file system itself: a missing folder, a folder in the way.
  const std::string nowhere = dir.file("missing/out.xyz");
  CHECK_THAT(input_error([&] { write_extxyz_file(nowhere, {binary_frame(2)}); }),
             Catch::StartsWith(nowhere + ": cannot write: "));
  fs::create_directory(dir.file("taken.xyz"));
  spit(dir.file("taken.xyz/inside"), "x");
  CHECK_THAT(input_error([&] { write_extxyz_file(dir.file("taken.xyz"), {binary_frame(2)}); }),
             Catch::StartsWith(dir.file("taken.xyz") + ": cannot write: "));
  CHECK(dir.entries() == std::vector<std::string>{"out.xyz", "taken.xyz"});

  // A good write replaces the old contents.
  write_extxyz_file(target, {binary_frame(2)});
  CHECK(read_extxyz_file(target).at(0).size() == 2);
  CHECK(dir.entries() == std::vector<std::string>{"out.xyz", "taken.xyz"});
}

TEST_CASE("a trajectory streamed to disk appears only when finished", "[io][extxyz]") {
  TempDir dir;
  const std::string target = dir.file("traj.xyz");
  spit(target, "previous contents\n");
  {
    ExtxyzTrajectory unfinished(target);
    unfinished.write(binary_frame(2));
    Frame bad = binary_frame(3);
    bad.positions(0, 1) = std::numeric_limits<double>::infinity();
    CHECK_THAT(input_error([&] { unfinished.write(bad); }), Catch::Equals(target + ": frame 2: atom 2: non-finite position"));
  }  // an interrupted run: the temporary file goes, the old file stays
  CHECK(slurp(target) == "previous contents\n");
  CHECK(dir.entries() == std::vector<std::string>{"traj.xyz"});

  ExtxyzTrajectory trajectory(target);
  for (int n = 2; n <= 4; ++n) trajectory.write(binary_frame(n));
  CHECK(slurp(target) == "previous contents\n");  // nothing replaced before finish()
  trajectory.finish();
  CHECK(trajectory.frames() == 3);
  const std::vector<Frame> back = read_extxyz_file(target);
  REQUIRE(back.size() == 3);
  CHECK(same_bits(back[2].positions, binary_frame(4).positions));
  CHECK(dir.entries() == std::vector<std::string>{"traj.xyz"});
}

TEST_CASE("lammps data: a file written by LAMMPS is read", "[io][lammps]") {
  Frame f = read_lammps_data_file(kFixtures + "lammps_written.data", {"A", "B"});
  REQUIRE(f.size() == 4);
  CHECK(f.species == std::vector<std::string>{"A", "B", "A", "B"});
  CHECK(f.box.lo == Eigen::Vector3d(-1, 0, 2));
  CHECK(f.box.length == Eigen::Vector3d(6, 7, 8));
  CHECK(f.box.periodic == std::array<bool, 3>{true, true, true});
  CHECK_FALSE(f.system_key);
  CHECK(f.positions.col(0) == Eigen::Vector3d(0.5, 1.25, 3.0));
  CHECK(f.positions.col(1) == Eigen::Vector3d(2.0 + 6.0, 6.5, 9.5 - 8.0));  // image flags 1 0 -1
  CHECK(f.positions.col(3) == Eigen::Vector3d(4.5, 0.125 - 14.0, 5.0));     // image flags 0 -2 0

  Frame same = read_structure_file(kFixtures + "lammps_written.data", {"A", "B"});
  CHECK(same.positions == f.positions);
  CHECK_THAT(input_error([&] { read_structure_file(kFixtures + "lammps_written.data"); }),
             Catch::Equals(kFixtures + "lammps_written.data:1: the file does not name its species "
                                                  "(no species= in the title): pass --system to give them"));
}

TEST_CASE("lammps data: rows sorted by id, sections skipped, comments ignored", "[io][lammps]") {
  std::istringstream in(
      "some title\n"
      "\n"
      "   3 atoms   # count\n"
      "1 atom types\n"
      "0 bonds\n"
      "0.0 2.0 xlo xhi\n"
      "-1 1 ylo yhi\n"
      "0 4 zlo zhi\n"
      "\n"
      "Masses\n\n1 39.95 # Ar\n\n"
      "PairIJ Coeffs # lj/cut\n\n1 1 1 1\n\n"
      "Atoms\n\n"
      "30 1 0.3 0 0\n"
      "10 1 0.1 0 0\n"
      "\n"
      "20 1 0.2 0 0 -1 0 2\n"
      "Velocities\n\n10 0 0 0\n20 0 0 0\n30 0 0 0\n");
  Frame f = read_lammps_data(in, "x.data", {"Ar"});
  REQUIRE(f.size() == 3);
  CHECK(f.positions.row(0) == Eigen::RowVector3d(0.1, 0.2 - 2.0, 0.3));
  CHECK(f.positions(2, 1) == 8.0);
  CHECK(f.box.lo == Eigen::Vector3d(0, -1, 0));
  CHECK(f.box.length == Eigen::Vector3d(2, 2, 4));
}

TEST_CASE("lammps data: writing then reading keeps positions, species, box and system", "[io][lammps]") {
  TempDir dir;
  Frame a = binary_frame(30);
  a.box.lo = Eigen::Vector3d(-2.5, 0.0, 1.0);
  a.box.length = Eigen::Vector3d(5.0, 10.0 / 3.0, 8.0);
  a.system_key = "lj-binary";
  write_lammps_data_file(dir.file("a.data"), a, {"A", "B"}, {1.0, 2.5});
  std::string text = slurp(dir.file("a.data"));
  CHECK(text.substr(0, text.find('\n')) == "LAMMPS data file written by strider system=lj-binary species=A,B pbc=T,T,T");
  CHECK(text.find("\nAtoms # atomic\n\n") != std::string::npos);
  CHECK(text.find("\nMasses\n\n1 1\n2 2.5\n") != std::string::npos);

  // The title names the species, overriding whatever the caller gives.
  Frame back = read_lammps_data_file(dir.file("a.data"), {"X", "Y"});
  CHECK(same_bits(back.positions, a.positions));
  CHECK(back.species == a.species);
  CHECK(back.box.lo == a.box.lo);
  CHECK(back.box.length == a.box.length);
  CHECK(back.box.periodic == a.box.periodic);
  CHECK(back.system_key == "lj-binary");

  // A free axis: the written box encloses the atoms, the title keeps pbc.
  Frame cluster = binary_frame(10);
  cluster.box = Box::free();
  cluster.box.periodic[0] = true;
  cluster.box.length[0] = 20.0;
  write_lammps_data_file(dir.file("c.lmp"), cluster, {"B", "A"}, {2.5, 1.0});
  Frame c = read_structure_file(dir.file("c.lmp"));
  CHECK(same_bits(c.positions, cluster.positions));
  CHECK(c.species == cluster.species);
  CHECK_FALSE(c.system_key);
  CHECK(c.box.periodic == std::array<bool, 3>{true, false, false});
  CHECK(c.box.length[0] == 20.0);
  for (int a = 1; a < 3; ++a) {
    CHECK(c.box.lo[a] < c.positions.row(a).minCoeff());
    CHECK(c.box.lo[a] + c.box.length[a] > c.positions.row(a).maxCoeff());
  }
  // Writing what was read gives the same file again.
  write_lammps_data_file(dir.file("d.lmp"), c, {"B", "A"}, {2.5, 1.0});
  CHECK(slurp(dir.file("d.lmp")) == slurp(dir.file("c.lmp")));
}

TEST_CASE("lammps data: malformed input is refused with FILE:LINE", "[io][lammps][errors]") {
  const std::string head = "title\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\n";
  const std::string atoms = "Atoms # atomic\n\n1 1 0 0 0\n2 2 1 1 1\n";
  CHECK(lammps_error(head + atoms) == "(no error)");
  CHECK(lammps_error("") == "bad.data:1: empty file");
  CHECK(lammps_error(head + atoms, {}) ==
        "bad.data:1: the file does not name its species (no species= in the title): pass --system to give them");
  CHECK(lammps_error(head) == "bad.data:8: no Atoms section");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n") == "bad.data:9: the Atoms section has 1 rows for the 2 atoms of the header");
  CHECK(lammps_error(head + atoms + "3 1 0 0 0\n") == "bad.data:13: more Atoms rows than the 2 atoms of the header");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n1 2 1 1 1\n") == "bad.data:12: duplicate atom id 1 (also on line 11)");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n2 3 1 1 1\n") == "bad.data:12: atom 2: type 3 out of range 1..2");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n2 0 1 1 1\n") == "bad.data:12: atom type '0' is not a positive integer");
  CHECK(lammps_error(head + atoms, {"A"}) == "bad.data:12: atom 2: type 2 has no species name (only 1 given)");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n2 2 1 1\n") ==
        "bad.data:12: Atoms row: 4 columns, expected 5 (id type x y z) or 8 (id type x y z ix iy iz)");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n2 2 1 1.0x 1\n") == "bad.data:12: y of atom 2: '1.0x' is not a number");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n2 2 1 1 nan\n") == "bad.data:12: z of atom 2: 'nan' is not a finite number");
  CHECK(lammps_error(head + "Atoms\n\n1 1 0 0 0\n2 2 1 1 1 0 0.5 0\n") ==
        "bad.data:12: image flag iy of atom 2: '0.5' is not an integer");
  CHECK(lammps_error(head + "Atoms # full\n\n1 1 1 0 0 0 0\n") ==
        "bad.data:9: Atoms section of style 'full': only atom_style atomic is supported");
  CHECK(lammps_error(head + atoms + "\nAtoms\n\n") == "bad.data:14: a second Atoms section (the first is on line 9)");
  CHECK(lammps_error(head + "Things\n\n1 2\n" + atoms) == "bad.data:9: unknown section 'Things'");
  CHECK(lammps_error(head + "Masses\n\n3 1.0\n" + atoms) == "bad.data:11: atom type 3 out of range 1..2");
  CHECK(lammps_error(head + "Masses\n\n1 -1.0\n" + atoms) == "bad.data:11: mass of type 1 is not positive");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n0 0 0 xy xz yz\n\n" + atoms) ==
        "bad.data:8: triclinic boxes (xy xz yz) are not supported");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n4 0 zlo zhi\n\n" + atoms) ==
        "bad.data:7: box of zero or negative volume: zhi <= zlo");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n1 1 ylo yhi\n0 4 zlo zhi\n\n" + atoms) ==
        "bad.data:6: box of zero or negative volume: yhi <= ylo");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n0 4 zlo zhi\n\n" + atoms) ==
        "bad.data:8: the header has no 'ylo yhi' line");
  CHECK(lammps_error("title\n\n2 atoms\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\n" + atoms) ==
        "bad.data:8: the header has no 'atom types' line");
  CHECK(lammps_error("title\n\n2 atomz\n" + atoms) == "bad.data:3: bad header line '2 atomz'");
  CHECK(lammps_error("title\n\n-2 atoms\n" + atoms) == "bad.data:3: atom count '-2' is not a positive integer");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n0 4x xlo xhi\n" + atoms) == "bad.data:5: xhi: '4x' is not a number");
  CHECK(lammps_error("t species=A,,B\n") == "bad.data:1: title: species='A,,B' has an empty name");
  CHECK(lammps_error("t pbc=T,F\n") == "bad.data:1: title: pbc='T,F' is not three of T/F separated by commas");
  CHECK_THAT(input_error([&] { read_lammps_data_file("/nonexistent/x.data", {"A"}); }),
             Catch::Equals("/nonexistent/x.data: cannot open: no such file"));
}

TEST_CASE("frames become systems through the potential's species list", "[io]") {
  TwoSpecies potential;
  Frame frame = binary_frame(6);
  System system = to_system(frame, potential);
  CHECK(system.species == std::vector<int>{1, 0, 0, 1, 0, 0});
  CHECK(system.positions == frame.positions);
  CHECK(system.box.length == frame.box.length);

  Frame back = to_frame(system, potential);
  CHECK(back.species == frame.species);
  CHECK(back.positions == frame.positions);
  CHECK(back.box.periodic == frame.box.periodic);

  frame.species[4] = "Si";
  CHECK_THAT(input_error([&] { to_system(frame, potential); }),
             Catch::Contains("'Si'") && Catch::Contains("A, B"));
}

TEST_CASE("extxyz: types that are not elements are written as symbols with a type_name column", "[io][extxyz]") {
  // ASE and OVITO want chemical symbols in `species` (shared/structure-files.md).
  Frame frame = binary_frame(3);  // B A A
  frame.forces = Eigen::Matrix3Xd::Zero(3, 3);
  std::ostringstream out;
  write_extxyz(out, frame);
  std::istringstream lines(out.str());
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    rows.emplace_back(std::istream_iterator<std::string>(words), std::istream_iterator<std::string>());
  }
  REQUIRE(rows.size() == 5);
  CHECK_THAT(out.str(), Catch::Contains("Properties=species:S:1:pos:R:3:type_name:S:1:forces:R:3 "));
  CHECK(rows[2][0] == "Ne");
  CHECK(rows[2][4] == "B");
  CHECK(rows[3][0] == "Ar");
  CHECK(rows[3][4] == "A");
  CHECK(read_extxyz_text(out.str())[0].species == frame.species);

  // Both forms are read, and type_name wins wherever its column stands.
  CHECK(read_extxyz_text("2\nProperties=species:S:1:pos:R:3\nA 0 0 0\nB 1 0 0\n")[0].species ==
        std::vector<std::string>{"A", "B"});
  CHECK(read_extxyz_text("2\nProperties=type_name:S:1:species:S:1:pos:R:3\nA Ar 0 0 0\nB Ne 1 0 0\n")[0].species ==
        std::vector<std::string>{"A", "B"});
  // A file whose type_name column was dropped: the symbols resolve to the types they stand for.
  TwoSpecies potential;
  const Frame symbols_only = read_extxyz_text("2\nProperties=species:S:1:pos:R:3\nNe 0 0 0\nAr 1 0 0\n")[0];
  CHECK(to_system(symbols_only, potential).species == std::vector<int>{1, 0});

  // Types that are elements keep the plain form.
  frame.species = {"Si", "Si", "Si"};
  std::ostringstream silicon;
  write_extxyz(silicon, frame);
  CHECK_THAT(silicon.str(), Catch::Contains("Properties=species:S:1:pos:R:3:forces:R:3 "));
}

TEST_CASE("readers refuse hexadecimal numbers, repeated keys and geometry a double cannot hold", "[io][errors]") {
  const std::string cube = "Lattice=\"4 0 0 0 4 0 0 0 4\" pbc=\"T T T\"";
  // strtod reads "0x10" as 16: no structure file holds hexadecimal, so it is a typo, not a number.
  CHECK(extxyz_error("1\n\nAr 0x10 0 0\n") == "bad.xyz:3: x of atom 1: '0x10' is not a number");
  CHECK(extxyz_error("1\n\nAr 0 -0X1p4 0\n") == "bad.xyz:3: y of atom 1: '-0X1p4' is not a number");
  CHECK(extxyz_error("1\nLattice=\"0x4 0 0 0 4 0 0 0 4\"\nAr 0 0 0\n") == "bad.xyz:2: Lattice entry 1: '0x4' is not a number");
  CHECK(extxyz_error("1\nenergy=0x1\nAr 0 0 0\n") == "bad.xyz:2: energy: '0x1' is not a number");
  // "Last one wins" would silently pick one of two boxes.
  CHECK(extxyz_error("1\n" + cube + " Lattice=\"5 0 0 0 5 0 0 0 5\"\nAr 0 0 0\n") ==
        "bad.xyz:2: the key 'Lattice' appears twice in the comment line");
  CHECK(extxyz_error("1\n" + cube + " PBC=\"F F F\"\nAr 0 0 0\n") == "bad.xyz:2: the key 'PBC' appears twice in the comment line");
  CHECK(extxyz_error("1\nenergy=1 energy=2\nAr 0 0 0\n") == "bad.xyz:2: the key 'energy' appears twice in the comment line");
  // Boxes: 1e-300 and 1e308 read as numbers, but no structure has them.
  CHECK(extxyz_error("1\nLattice=\"1e-300 0 0 0 1e-300 0 0 0 1e-300\"\nAr 0 0 0\n") ==
        "bad.xyz:2: Lattice vector 1: periodic box length 1e-300 is below the limit of 1e-06");
  CHECK(extxyz_error("1\nLattice=\"4 0 0 0 1e308 0 0 0 4\"\nAr 0 0 0\n") ==
        "bad.xyz:2: Lattice vector 2: box length 1e+308 is over the limit of 100000000");
  // Coordinates: wrapping one 10^5 box lengths back would lose digits; 10^9 is too coarse anywhere.
  CHECK(extxyz_error("2\n" + cube + "\nAr 0 0 0\nAr 1 400000 1\n") ==
        "bad.xyz:4: y of atom 2: coordinate 400000 lies 99999 box lengths outside the periodic box "
        "(at most 10000: wrapping it would lose precision)");
  CHECK(extxyz_error("1\n" + cube + "\nAr -40008 0 0\n") ==
        "bad.xyz:3: x of atom 1: coordinate -40008 lies 10002 box lengths outside the periodic box "
        "(at most 10000: wrapping it would lose precision)");
  CHECK(extxyz_error("2\n\nAr 0 0 0\nAr 1e9 0 0\n") ==
        "bad.xyz:4: x of atom 2: coordinate 1000000000 is over the limit of 100000000 in magnitude "
        "(a double would hold it too coarsely)");
  // Within the limits: read as written.
  CHECK(read_extxyz_text("2\n" + cube + "\nAr -39990 0 0\nAr 0 0 1\n")[0].positions(0, 0) == -39990.0);
  CHECK(read_extxyz_text("2\n\nAr 0 0 0\nAr 0 0 -99999999\n")[0].positions(2, 1) == -99999999.0);

  const std::string atoms = "Atoms # atomic\n\n1 1 0 0 0\n2 2 1 1 1\n";
  const std::string box = "0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\n";
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n" + box + "Atoms\n\n1 1 0 0 0\n2 2 1 0x1 1\n") ==
        "bad.data:12: y of atom 2: '0x1' is not a number");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n2 atoms\n" + box + atoms) == "bad.data:5: a second 'atoms' line");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n" + box + "0 5 xlo xhi\n" + atoms) ==
        "bad.data:9: a second 'xlo xhi' line (the first is on line 5)");
  CHECK(lammps_error("t pbc=T,T,T pbc=F,F,F\n\n2 atoms\n2 atom types\n" + box + atoms) == "bad.data:1: title: pbc= appears twice");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n-1e308 1e308 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\n" + atoms) ==
        "bad.data:5: xlo xhi: box length inf is over the limit of 100000000");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n0 1e-300 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\n" + atoms) ==
        "bad.data:5: xlo xhi: periodic box length 1e-300 is below the limit of 1e-06");
  CHECK(lammps_error("title\n\n2 atoms\n2 atom types\n" + box + "Atoms\n\n1 1 0 0 0\n2 2 1 1 1 100000 0 0\n") ==
        "bad.data:12: x of atom 2 (image flags applied): coordinate 400001 lies 99999 box lengths outside the "
        "periodic box (at most 10000: wrapping it would lose precision)");
}
