// `strider bench FILE`: wall time of energy + forces on one structure.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "strider/evaluator.hpp"
#include "strider/io.hpp"

namespace strider::cli {

const CommandSpec bench_spec{
    "bench",
    "FILE [--repeat K] [--skin S] [--system KEY] [--json]",
    "Time energy + forces + per-atom energies of the structure in FILE (one thread).",
    {"FILE"},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options.push_back({"--repeat", "K", "evaluations to time (default 100)"});
      options.push_back({"--skin", "S", "Verlet skin (length unit; default 10% of the cutoff)"});
      options.push_back({"--json", "", "print one JSON object: n_atoms, pairs, repeat, seconds_per_evaluation,"
                                       " neighbor_build_seconds, energy"});
      return options;
    }(),
    "The neighbour list is built once before timing (its time is reported\n"
    "apart); the positions do not move, so the timed loop is the force kernel,\n"
    "as LAMMPS reports it in its 'Pair' row. tests/benchmarks/ compares this\n"
    "with LAMMPS on the same structures.\n"};

int run_bench(const ParsedArgs& args) {
  using Clock = std::chrono::steady_clock;
  const std::string& path = args.positionals[0];
  const long repeat = args.whole("--repeat", 100, 1);
  const double skin = args.number("--skin").value_or(-1.0);
  if (args.value("--skin") && skin < 0.0) throw InputError("--skin must be >= 0");

  LoadedStructure loaded = load_structure(args, path);
  Evaluator evaluator(std::move(loaded.potential), skin);
  const System& system = loaded.system;

  const auto t0 = Clock::now();
  check_finite_energy(path, evaluator.evaluate(system));  // builds the list
  double energy = 0.0;
  const auto t1 = Clock::now();
  for (long k = 0; k < repeat; ++k) energy = evaluator.evaluate(system).energy;
  const auto t2 = Clock::now();
  const double first = std::chrono::duration<double>(t1 - t0).count();
  const double per_evaluation = std::chrono::duration<double>(t2 - t1).count() / repeat;

  const int pairs = evaluator.neighbor_list().pairs();
  if (args.flag("--json")) {
    nlohmann::json out{{"file", path},
                       {"n_atoms", system.size()},
                       {"pairs", pairs},
                       {"repeat", repeat},
                       {"seconds_per_evaluation", per_evaluation},
                       {"neighbor_build_seconds", first - per_evaluation},
                       {"energy", energy}};
    std::cout << out.dump() << "\n";
  } else {
    std::printf("atoms %d, listed pairs %d, energy %.12g\n", system.size(), pairs, energy);
    std::printf("energy + forces: %.6g ms per evaluation (%ld timed)\n", per_evaluation * 1e3, repeat);
    std::printf("neighbour list build: about %.6g ms\n", (first - per_evaluation) * 1e3);
  }
  return 0;
}

}  // namespace strider::cli
