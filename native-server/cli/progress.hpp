#pragma once
// A progress bar for long runs: drawn on stderr when it is a terminal (bar,
// rate and ETA), silent when stderr is piped or redirected. When the
// environment names a file in STRIDER_PROGRESS_FILE (the server does, for its
// jobs), every command also appends JSON lines to it, at most five a second,
// in the format of strider/jobs/contract.hpp (ProgressLine).
#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace strider::cli {

class Progress {
 public:
  // total: units of work expected; label: what a unit is ("steps", "frames").
  Progress(long total, std::string label);
  ~Progress();
  // Reports `done` units finished; redraws at most ten times a second.
  // seeds: when not null, an array (one object per run) that this and later
  // JSON lines carry as "seeds" until the next one.
  void update(long done, const std::string& note = "", const nlohmann::ordered_json& seeds = nullptr);
  // Whether JSON lines are written (STRIDER_PROGRESS_FILE): worth building `seeds` for.
  bool writes_json_lines() const { return json_lines_ != nullptr; }
  // Draws the final state and ends the line.
  void finish();

 private:
  void draw(long done, const std::string& note);
  void write_json_line(long done, const std::string& note);

  long total_;
  std::string label_;
  bool enabled_;
  bool finished_ = false;
  long last_done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_, last_line_;
  std::FILE* json_lines_ = nullptr;  // STRIDER_PROGRESS_FILE, when set
  std::string last_note_;
  nlohmann::ordered_json last_seeds_;
};

}  // namespace strider::cli
