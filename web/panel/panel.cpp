// The control panel of the page: Dear ImGui (GLFW + WebGL2 backends) in its own canvas,
// compiled into its own small module (strider_panel.js, factory createStriderPanel).
//
// The panel owns no run state. Every frame the page calls panel.frame(state) with one JS
// object (web/app/state.js describes its fields); widgets edit its fields in place and
// the buttons pressed come back as an array of action names ("run", "step", ...), which
// the page carries out with the engine module. panel.itemRect(label) gives a widget's
// rectangle in canvas pixels (the browser tests click real controls with it).
#include <GLFW/glfw3.h>
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "backends/imgui_impl_glfw.h"
#include "backends/imgui_impl_opengl3.h"
#include "imgui.h"

namespace {

using emscripten::val;

// A lane colour (0xRRGGBB from the page) as ImGui's packed ABGR.
ImU32 colour_of(const val& lane) {
  const unsigned rgb = lane["color"].as<unsigned>();
  return IM_COL32((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, 255);
}

class Panel {
 public:
  // Opens the GLFW window on the module's canvas (Module.canvas), width x height pixels.
  Panel(int width, int height) {
    glfwInit();
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    window_ = glfwCreateWindow(width, height, "strider", nullptr, nullptr);
    glfwMakeContextCurrent(window_);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::StyleColorsDark();
    ImGui_ImplGlfw_InitForOpenGL(window_, true);
    ImGui_ImplOpenGL3_Init("#version 300 es");
  }

  // Draws one frame from `state`, writing edits back into it; returns the actions pressed.
  val frame(val state) {
    actions_ = val::array();
    state_ = state;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_, &width, &height);
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(width), static_cast<float>(height)));
    ImGui::Begin("strider", nullptr, ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse);
    setup_section();
    drivers_section();
    run_section();
    plot_section();
    table_section();
    ImGui::End();
    ImGui::Render();
    glViewport(0, 0, width, height);
    glClearColor(0.1f, 0.1f, 0.12f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    state_ = val::undefined();
    return actions_;
  }

  // {x, y, width, height} of the widget labelled `label` in the last frame (canvas pixels),
  // or null if it was not drawn.
  val item_rect(const std::string& label) const {
    const auto it = rects_.find(label);
    if (it == rects_.end()) return val::null();
    val out = val::object();
    out.set("x", it->second.Min.x);
    out.set("y", it->second.Min.y);
    out.set("width", it->second.Max.x - it->second.Min.x);
    out.set("height", it->second.Max.y - it->second.Min.y);
    return out;
  }

 private:
  // A button that pushes `action` when pressed; remembers its rectangle under `label`.
  void action_button(const char* label, const char* action) {
    if (ImGui::Button(label)) actions_.call<void>("push", std::string(action));
    remember(label);
  }
  void remember(const char* label) { rects_[label] = ImRect2{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()}; }

  // Integer field `name` of object `o` edited by an InputInt, clamped to [lo, hi].
  void int_field(val o, const char* label, const char* name, int lo, int hi) {
    int v = o[name].as<int>();
    if (ImGui::InputInt(label, &v)) o.set(name, std::clamp(v, lo, hi));
    remember(label);
  }

  void setup_section() {
    if (!ImGui::CollapsingHeader("Structure", ImGuiTreeNodeFlags_DefaultOpen)) return;
    val setup = state_["setup"];
    const val systems = state_["systems"];
    const std::string current = setup["system"].as<std::string>();
    if (ImGui::BeginCombo("system", current.c_str())) {
      for (int k = 0; k < systems["length"].as<int>(); ++k) {
        const std::string key = systems[k].as<std::string>();
        if (ImGui::Selectable(key.c_str(), key == current)) setup.set("system", key);
      }
      ImGui::EndCombo();
    }
    remember("system");
    int_field(setup, "N", "n", 2, 100000);
    int_field(setup, "seed", "seed", 0, 1 << 30);
    int_field(setup, "equilibration", "equilibration", 0, 1000000);
    action_button("Generate", "generate");
    ImGui::SameLine();
    ImGui::TextDisabled("(or drop an .xyz file on the view)");
  }

  void drivers_section() {
    if (!ImGui::CollapsingHeader("Optimisers", ImGuiTreeNodeFlags_DefaultOpen)) return;
    ImGui::TextDisabled("tick several to race them from the same start");
    val drivers = state_["drivers"];
    for (int k = 0; k < drivers["length"].as<int>(); ++k) {
      val d = drivers[k];
      const std::string name = d["name"].as<std::string>();
      ImGui::PushID(k);
      bool on = d["enabled"].as<bool>();
      if (ImGui::Checkbox(name.c_str(), &on)) d.set("enabled", on);
      remember(("use " + name).c_str());
      ImGui::SameLine(150);
      if (ImGui::TreeNode("parameters")) {
        val params = d["params"];
        for (int p = 0; p < params["length"].as<int>(); ++p) {
          val param = params[p];
          double v = param["value"].as<double>();
          const std::string label = param["name"].as<std::string>();
          if (ImGui::InputDouble(label.c_str(), &v, 0.0, 0.0, "%.6g") && std::isfinite(v)) param.set("value", v);
          if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", param["help"].as<std::string>().c_str());
        }
        ImGui::TreePop();
      }
      ImGui::PopID();
    }
  }

  void run_section() {
    if (!ImGui::CollapsingHeader("Controls", ImGuiTreeNodeFlags_DefaultOpen)) return;
    const bool running = state_["running"].as<bool>();
    action_button(running ? "Pause" : "Run", running ? "pause" : "run");
    rects_[running ? "Run" : "Pause"] = rects_[running ? "Pause" : "Run"];
    ImGui::SameLine();
    action_button("Step", "step");
    ImGui::SameLine();
    action_button("Reset", "reset");
    int_field(state_, "max steps", "maxSteps", 1, 10000000);
    double temperature = state_["shakeTemperature"].as<double>();
    ImGui::SetNextItemWidth(120);
    if (ImGui::InputDouble("T", &temperature, 0.0, 0.0, "%.4g") && temperature >= 0.0) {
      state_.set("shakeTemperature", temperature);
    }
    ImGui::SameLine();
    action_button("Shake", "shake");
    if (state_["policyLoaded"].as<bool>()) {
      ImGui::SameLine();
      const bool adapting = state_["adapting"].as<bool>();
      action_button(adapting ? "Stop adapting" : "Adapt policy", adapting ? "adapt-stop" : "adapt");
    }
    const std::string status = state_["status"].as<std::string>();
    ImGui::TextWrapped("%s", status.c_str());
  }

  // Energy per atom against steps, one polyline per lane, on shared axes.
  void plot_section() {
    if (!ImGui::CollapsingHeader("Energy per atom", ImGuiTreeNodeFlags_DefaultOpen)) return;
    const val lanes = state_["lanes"];
    const int count = lanes["length"].as<int>();
    // One bulk copy per curve (reading a JS array element by element costs a call each).
    std::vector<std::vector<double>> curves;
    double x_max = 1.0, y_min = INFINITY, y_max = -INFINITY;
    for (int k = 0; k < count; ++k) {
      curves.push_back(emscripten::convertJSArrayToNumberVector<double>(lanes[k]["curve"]));
      x_max = std::max(x_max, static_cast<double>(curves.back().size()) - 1.0);
      for (const double y : curves.back()) {
        if (std::isfinite(y)) y_min = std::min(y_min, y), y_max = std::max(y_max, y);
      }
    }
    const ImVec2 size(ImGui::GetContentRegionAvail().x, 180.0f);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 p1(p0.x + size.x, p0.y + size.y);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(p0, p1, IM_COL32(20, 20, 26, 255));
    draw->AddRect(p0, p1, IM_COL32(90, 90, 100, 255));
    ImGui::InvisibleButton("plot", size);
    remember("plot");
    if (!(y_max > y_min)) y_max = y_min + 1.0;
    if (!std::isfinite(y_min)) y_min = 0.0, y_max = 1.0;
    auto to_screen = [&](double x, double y) {
      return ImVec2(p0.x + 6.0f + static_cast<float>(x / x_max) * (size.x - 12.0f),
                    p1.y - 6.0f - static_cast<float>((y - y_min) / (y_max - y_min)) * (size.y - 12.0f));
    };
    for (int k = 0; k < count; ++k) {
      const std::vector<double>& e = curves[static_cast<size_t>(k)];
      const int n = static_cast<int>(e.size());
      const int stride = std::max(1, n / 600);  // at most ~600 segments per curve
      std::vector<ImVec2> points;
      for (int i = 0; i < n; i += stride) {
        if (std::isfinite(e[i])) points.push_back(to_screen(i, e[i]));
      }
      if (n > 0 && std::isfinite(e[n - 1])) points.push_back(to_screen(n - 1, e[n - 1]));
      if (points.size() > 1) draw->AddPolyline(points.data(), static_cast<int>(points.size()), colour_of(lanes[k]), 0, 1.5f);
    }
    ImGui::Text("steps 0 .. %.0f   E/N %.5g .. %.5g", x_max, y_min, y_max);
  }

  // The race table: lane, steps, evaluations, current and lowest energy per atom.
  void table_section() {
    const val lanes = state_["lanes"];
    const int count = lanes["length"].as<int>();
    if (count == 0 || !ImGui::BeginTable("race", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) return;
    for (const char* h : {"optimiser", "steps", "evals", "E/N", "lowest E/N"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (int k = 0; k < count; ++k) {
      const val lane = lanes[k];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour_of(lane)), "%s", lane["name"].as<std::string>().c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.0f", lane["steps"].as<double>());
      ImGui::TableNextColumn();
      ImGui::Text("%.0f", lane["evaluations"].as<double>());
      ImGui::TableNextColumn();
      ImGui::Text("%.6f", lane["energyPerAtom"].as<double>());
      ImGui::TableNextColumn();
      ImGui::Text("%.6f", lane["bestPerAtom"].as<double>());
    }
    ImGui::EndTable();
  }

  struct ImRect2 {
    ImVec2 Min, Max;
  };
  GLFWwindow* window_ = nullptr;
  val state_ = val::undefined();
  val actions_ = val::array();
  std::map<std::string, ImRect2> rects_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(strider_panel) {
  emscripten::class_<Panel>("Panel")
      .constructor<int, int>()
      .function("frame", &Panel::frame)
      .function("itemRect", &Panel::item_rect);
}
