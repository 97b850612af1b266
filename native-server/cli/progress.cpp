#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "strider/jobs/contract.hpp"

namespace strider::cli {

namespace {

std::string format_duration(double seconds) {
  char text[32];
  const long s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else {
    std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  }
  return text;
}

}  // namespace

Progress::Progress(long total, std::string label)
    : total_(std::max(total, 1L)),
      label_(std::move(label)),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_),
      last_line_(start_) {
  const std::string variable(jobs::progress_file_variable);
  if (const char* path = std::getenv(variable.c_str()); path && *path) json_lines_ = std::fopen(path, "a");
  write_json_line(0, "");
}

Progress::~Progress() {
  finish();
  if (json_lines_) std::fclose(json_lines_);
}

void Progress::write_json_line(long done, const std::string& note) {
  if (!json_lines_) return;
  jobs::ProgressLine line{done, total_, label_, note, nullptr};
  if (!last_seeds_.is_null()) line.seeds = last_seeds_;
  std::fprintf(json_lines_, "%s\n", jobs::progress_line_text(line).c_str());
  std::fflush(json_lines_);
  last_line_ = std::chrono::steady_clock::now();
}

void Progress::update(long done, const std::string& note, const nlohmann::ordered_json& seeds) {
  last_done_ = done;
  last_note_ = note;
  if (!seeds.is_null()) last_seeds_ = seeds;
  if (json_lines_ && (std::chrono::steady_clock::now() - last_line_ >= std::chrono::milliseconds(200) || done >= total_)) {
    write_json_line(done, note);
  }
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
  last_draw_ = now;
  draw(done, note);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  write_json_line(last_done_, last_note_);
  if (!enabled_) return;
  draw(last_done_, "");
  std::fputc('\n', stderr);
}

void Progress::draw(long done, const std::string& note) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = std::clamp(static_cast<double>(done) / total_, 0.0, 1.0);
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const std::string eta = rate > 0 ? format_duration((total_ - done) / rate) : "?";
  std::fprintf(stderr, "\r[%s%s] %ld/%ld %s  %.1f/s  ETA %s  %s\033[K", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), done, total_, label_.c_str(), rate, eta.c_str(),
               note.c_str());
  std::fflush(stderr);
}

}  // namespace strider::cli
