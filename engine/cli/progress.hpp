#pragma once
// A progress bar for long runs: drawn on stderr when it is a terminal (bar,
// rate and ETA), silent when stderr is piped or redirected.
#include <chrono>
#include <string>

namespace strider::cli {

class Progress {
 public:
  // total: units of work expected; label: what a unit is ("steps", "frames").
  Progress(long total, std::string label);
  ~Progress();
  // Reports `done` units finished; redraws at most ten times a second.
  void update(long done, const std::string& note = "");
  // Draws the final state and ends the line.
  void finish();

 private:
  void draw(long done, const std::string& note);

  long total_;
  std::string label_;
  bool enabled_;
  bool finished_ = false;
  long last_done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace strider::cli
