#pragma once
// Learning a displacement policy by reinforcement (StriderNET, paper sections
// 3.4-3.5; docs/estimators.md): rollouts, rewards and discounted returns, the FIRE
// baseline, and the three gradient estimators. Training (Adam, batches,
// validation, checkpoints) is in rl_training.hpp, adaptation to one target
// structure in rl_adaptation.hpp. Everything works through PolicyModel, so the
// StriderNET GNN and the small models of the tests are used the same way.
//
// [SECTION] index
//   streams      stream_seed: one random stream per (seed, purpose, indices)
//   rollout      Episode, RolloutSettings, rollout()
//   returns      rewards(), discounted_returns()
//   baseline     FireBaseline, fire_baseline(), Baseline, mean_action_baseline()
//   estimators   Estimator, reinforce_mu_gradients(), pathwise_mu_gradients(),
//                accumulate_gradient(), bptt_gradient()
//
// [SECTION] conventions
// Step t of an episode goes from state S_t (positions x_t, energy E_t) to
// S_{t+1}: mu_t = model.forward(S_t), a_t = mu_t + sqrt(alpha) z_t with z_t
// standard normal (3 x N, drawn atom by atom, x y z), x_{t+1} = wrap(x_t + a_t)
// along the periodic axes. t = 0 .. T-1; energies E_0 .. E_T.
// Reward (paper eq. 8, the authors' README "Reward: reduction in energy"):
//   R^t = E_t - E_{t+1}, the energy decrease of step t.
// Discounted return (paper eq. 9): D^t = sum_{k=0}^{T-1-t} gamma^k R^{t+k}, gamma = 0.9.
// Gradients handed to PolicyModel::backward are of a loss to MINIMISE (the
// negative of the objective), already multiplied by the caller's weight
// (1 / episodes in the update).
#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "strider/evaluator.hpp"
#include "strider/policy_model.hpp"
#include "strider/random.hpp"
#include "strider/system.hpp"

namespace strider::rl {

// The paper's discount factor (Table 5).
inline constexpr double kGamma = 0.9;

// A policy step that made the energy or a position non-finite (the step was
// too large for the structure). The message says which step.
struct DivergedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------- [SECTION] streams

// A seed for Random derived from the run's seed and a list of indices
// (purpose, epoch, slot, ...) by splitmix64 mixing: every episode's noise is a
// function of its indices alone, so a resumed run draws exactly what an
// uninterrupted one would, and no generator state needs saving.
std::uint64_t stream_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> indices);

// ---------------------------------------------------------------- [SECTION] rollout

struct RolloutSettings {
  int steps = 15;                // T (paper: 15 in training and adaptation, 20 in validation)
  bool sample = true;            // a = mu + sqrt(alpha) z; false: a = mu (the mean action, z = 0)
  // Passed to PolicyModel::forward as `training`: batch norm normalises with
  // the statistics of this structure's nodes. The authors' code always did
  // (flax BatchNorm with use_running_average = False, in training, validation
  // and testing alike); false uses the running statistics instead. With true,
  // every forward call (rollouts, mean-action baselines and the estimators'
  // recomputation alike, a kept forward given back included) also updates the
  // running statistics, which nothing in the learning code then reads.
  bool batch_statistics = true;
  // Keep each step's forward in the model (PolicyModel::keep_forward) for the
  // estimator's backward passes that follow: training and adaptation set it
  // for the episodes whose gradient they take. rollouts() keeps none.
  bool keep_forwards = false;
};

// One episode of T policy steps and everything the estimators need.
struct Episode {
  System start;                               // S_0 (species and box of every state)
  std::vector<Eigen::Matrix3Xd> positions;    // T+1: x_0 .. x_T (periodic axes wrapped)
  std::vector<Evaluation> evaluations;        // T+1: energy, forces, per-atom energies at x_t
  std::vector<Eigen::Matrix3Xd> mu;           // T: mu_t (length)
  std::vector<Eigen::Matrix3Xd> noise;        // T: z_t (standard normal; zero for mean actions)
  std::vector<Eigen::Matrix3Xd> actions;      // T: a_t = mu_t + sqrt(alpha) z_t (length)
  double alpha = 0.0;                         // the policy's variance during the rollout (length^2)
  long evaluations_used = 0;                  // energy evaluations: T + 1
  bool batch_statistics = true;               // the forward mode of the rollout
  std::vector<long> kept_forwards;            // T tickets of the model's kept forwards, or empty (none kept)

  int steps() const { return static_cast<int>(mu.size()); }
  // The ticket of step t's kept forward (PolicyModel::kNotKept if none).
  long kept_forward(int t) const;
  // E_0 .. E_T.
  std::vector<double> energies() const;
  // S_t as a System (t = 0 .. T), with previous_displacement a_{t-1} (the start's own at t = 0).
  System state(int t) const;
};

// Runs T policy steps from `start`, evaluating with `evaluator` (T + 1
// evaluations) and drawing noise from `random`. Throws DivergedError if an
// energy or position stops being finite, naming the step.
Episode rollout(PolicyModel& model, const System& start, Evaluator& evaluator, const RolloutSettings& settings,
                Random& random);

// One episode from each start, in lockstep: step t of all of them is one
// model.forward_many() call. Episode k is rollout(model, starts[k],
// *evaluators[k], settings, randoms[k]) to rounding (a model may round a
// batch differently). Throws DivergedError as rollout() does.
std::vector<Episode> rollouts(PolicyModel& model, const std::vector<System>& starts,
                              const std::vector<Evaluator*>& evaluators, const RolloutSettings& settings,
                              std::vector<Random>& randoms);

// The two halves of a rollout, for a driver that steps episodes itself (the
// batched adaptation, rl_adaptation_batch.hpp). begin_episode: the episode
// with S_0 = start evaluated (one evaluation), no steps yet; alpha is the
// policy's variance. take_step: step t of `episode`
// from `state` (S_t, moved to S_{t+1}, its previous_displacement set to a_t)
// with mean mu: draws the noise (if settings.sample), moves, wraps,
// evaluates. Both throw DivergedError as rollout() does.
Episode begin_episode(double alpha, const System& start, Evaluator& evaluator, const RolloutSettings& settings);
void take_step(Episode& episode, System& state, Eigen::Matrix3Xd mu, Evaluator& evaluator,
               const RolloutSettings& settings, Random& random, int t);

// ---------------------------------------------------------------- [SECTION] returns

// R^t = E_t - E_{t+1} for energies E_0 .. E_T (T rewards).
std::vector<double> rewards(const std::vector<double>& energies);
// D^t = sum_k gamma^k R^{t+k}, by D^t = R^t + gamma D^{t+1} from the end.
std::vector<double> discounted_returns(const std::vector<double>& rewards, double gamma = kGamma);

// ---------------------------------------------------------------- [SECTION] baseline

// The baseline b of paper eq. 10: FIRE with the paper's preset for the system
// (make_optimizer("fire", key), Table 6) run for the same T steps from the same
// initial structure, once per structure (callers cache it: training keeps it
// per training structure, adaptation per epoch start). It enters per step as
// FIRE's own discounted return over those steps:
//   b^t = sum_k gamma^k (E^F_{t+k} - E^F_{t+k+1}),   E^F_j = FIRE's energy after j steps,
// so the advantage D^t - b^t says how much more energy the policy shed from
// step t on than FIRE did from its step t. b^t depends on the start only, never
// on the policy's actions, so it leaves the reinforce estimator unbiased; the
// pathwise estimator does not use it (a constant has no gradient).
// (The authors' code instead put FIRE's energy after T steps into every reward,
// R^t = E^F_T - E_{t+1}; with that reward D^t is no longer an energy decrease.)
struct FireBaseline {
  std::vector<double> energies;  // E^F_0 .. E^F_T
  std::vector<double> returns;   // b^0 .. b^{T-1}
  long evaluations = 0;          // T + 1
};

// FIRE from `start` for `steps` steps with evaluator (its potential is the
// system's); system_key picks the paper's preset (its SystemSpec's; "lj" has lj-binary's values).
FireBaseline fire_baseline(const System& start, Evaluator& evaluator, const std::string& system_key, int steps,
                           double gamma = kGamma);

// Which baseline the reinforce estimator subtracts:
//   fire  FireBaseline above (the paper's; the default)
//   mean  the policy's own mean-action returns: b^t = D^t of a rollout with
//         a = mu (no noise) from the same start with the current parameters
//         (a self-critical baseline, Rennie et al. 2017). It does not depend on
//         the sampled actions, so the estimator stays unbiased, and D^t - b^t is
//         then O(sqrt(alpha)) instead of the gap between the policy and FIRE,
//         which at alpha = 1e-5 is what makes the difference between a usable
//         and a useless score-function gradient (see the notes in reinforce.cpp).
//         Costs one more rollout (T forwards, T + 1 evaluations) per episode.
//   none  b = 0
enum class Baseline { fire, mean, none };
std::string to_string(Baseline baseline);
Baseline baseline_from_string(const std::string& name);  // InputError naming the known ones

// The mean-action baseline: b^0 .. b^{T-1} of a noiseless rollout of `steps`
// steps from `start` (T + 1 evaluations with evaluator, added to *evaluations
// if given). Throws DivergedError as rollout() does.
std::vector<double> mean_action_baseline(PolicyModel& model, const System& start, Evaluator& evaluator, int steps,
                                         bool batch_statistics, double gamma = kGamma, long* evaluations = nullptr);

// ---------------------------------------------------------------- [SECTION] estimators

// reinforce: the score-function estimator of paper eq. 10,
//   grad J = sum_t (D^t - b^t) grad_theta log pi(a^t | S^t),
//   grad_theta log pi(a | S) = sum_v ((a_v - mu_v) / alpha) . d mu_v / d theta   (Gaussian, variance alpha I).
// pathwise: the reparameterised estimator of the same quantity (what the
// authors' released code effectively computed; derivation in pathwise.cpp):
//   a_t = mu_t + sqrt(alpha) z_t,  grad J = sum_t (d D^t / d a_t) . d mu_t / d theta,
//   d D^t / d a_t = sum_{m=t+1}^{T} beta_{t,m} F_m  (forces at the later positions),
//   beta_{t,m} = (1 - gamma) gamma^{m-t-1} for m < T, gamma^{T-1-t} for m = T,
// with the state features of later steps held constant.
// Both estimate G = sum_t d E[D^t] / d theta_t, the change of each step's
// expected discounted return with the parameters used at that step (theta_t);
// this is what eq. 10 (which has no gamma^t factor) is an unbiased estimate of.
// bptt: what the authors' released code computes (derivation in bptt.cpp).
// Their log-density has no normaliser and their actions are reparameterised,
// so its gradient with respect to mu is zero, and their reward E^F_T - E_{t+1}
// has a constant FIRE term: their loss is, up to a positive factor, gradient
// descent on a discounted sum of the episode's later energies,
//   L = sum_t sum_{k=0}^{T-1-t} gamma^k E_{t+k+1} = sum_{m=1}^{T} w_m E_m,   w_m = (1 - gamma^m) / (1 - gamma),
// differentiated exactly through positions, actions and the state features of
// every later step (per-atom energies, their neighbour sums and means, edge
// vectors and distances, all recomputed from positions; the graph's edge set is
// piecewise constant). Needs PolicyModel::backward_to_state and
// Potential::weighted_forces; one weighted-force pass per step besides the
// rollout's evaluations (counted as evaluations).
enum class Estimator { reinforce, pathwise, bptt };

// "reinforce" / "pathwise" / "bptt"; the parser throws InputError naming them otherwise.
std::string to_string(Estimator estimator);
Estimator estimator_from_string(const std::string& name);

// d(loss)/d(mu_t) for each step (T matrices 3 x N), loss = -sum_t (D^t - b^t) log pi(a_t | S_t):
//   -(D^t - b^t) (a_t - mu_t) / alpha = -(D^t - b^t) z_t / sqrt(alpha)
// (the noise is used rather than a_t - mu_t, which would lose digits).
// baseline: b^0 .. b^{T-1}, or empty for none.
std::vector<Eigen::Matrix3Xd> reinforce_mu_gradients(const Episode& episode, const std::vector<double>& baseline,
                                                     double gamma = kGamma);
// d(loss)/d(mu_t) for each step, loss = -sum_t D^t with a_t's own effect only:
//   -G_t,  G_{T-1} = F_T,  G_t = (1 - gamma) F_{t+1} + gamma G_{t+1}.
std::vector<Eigen::Matrix3Xd> pathwise_mu_gradients(const Episode& episode, double gamma = kGamma);

// Adds weight * d(loss)/d(theta) of `episode` to the model's gradient: for each
// step, model.forward(S_t) again (same parameters and mode as the rollout, so
// the same mu_t) then model.backward(weight * d loss / d mu_t), all steps in
// one model.forward_backward call (bptt: one step at a time from the last,
// see bptt_gradient). When the rollout kept its forwards
// (Episode::kept_forwards), step by step with model.forward_again instead,
// which gives each kept forward back rather than computing it again.
// Returns the episode's surrogate objective sum_t (D^t - b^t) (reinforce),
// sum_t D^t (pathwise) or sum_m w_m (E_0 - E_m) (bptt) for logs. The model's
// parameters must be those of the rollout. evaluator: the episode's potential, needed by bptt only
// (std::invalid_argument without it).
double accumulate_gradient(PolicyModel& model, const Episode& episode, Estimator estimator,
                           const std::vector<double>& baseline, double weight, double gamma = kGamma,
                           Evaluator* evaluator = nullptr);

// The bptt estimator's part of accumulate_gradient: the reverse sweep of
// bptt.cpp, adding weight * dL/dtheta to the model's gradient. Returns
// sum_m w_m (E_0 - E_m).
double bptt_gradient(PolicyModel& model, const Episode& episode, Evaluator& evaluator, double weight,
                     double gamma = kGamma);

// Throws std::logic_error when mu (recomputed at step t) differs from the
// rollout's recorded mean (were the parameters changed in between?).
void check_same_mean(const Eigen::Matrix3Xd& mu, const Eigen::Matrix3Xd& recorded, int t);

}  // namespace strider::rl
