#include "results.hpp"

#include "gradlab/autodiff/functional.hpp"

namespace gradlab::cli {

Derivatives derivatives(const Recording& rec, const std::vector<Binding>& point,
                        const std::vector<std::size_t>& wrt, bool with_hessian) {
  Derivatives d;
  d.value = rec.value();
  std::vector<Var> xs;
  for (std::size_t k : wrt) {
    xs.push_back(rec.r.inputs[k]);
    d.gradient.push_back(rec.gradient(k, point));
  }
  if (with_hessian) d.hessian = gradlab::hessian(rec.r.root, xs);
  return d;
}

Json ledger_json(const Recording& rec, const std::vector<Binding>& point) {
  const Tape& tape = rec.tape;
  const std::vector<std::vector<ChainTerm>> terms = chain_terms(tape, rec.root);
  Json j;
  j["forward"] = Json::array();
  for (Index i = 0; i <= rec.root; ++i)
    j["forward"].push_back({{"node", i},
                            {"op", op_info(tape.op(i)).name},
                            {"formula", rec.ev.formula(i)},
                            {"value", tape.value(i)}});
  j["backward"] = Json::array();
  for (Index i = rec.root + 1; i-- > 0;) {
    if (tape.op(i) == kConstOp) continue;
    Json t = Json::array();
    for (const ChainTerm& c : terms[i])
      t.push_back({{"user", c.user},
                   {"input", c.input == 0 ? "a" : "b"},
                   {"user_adjoint", rec.adj[c.user]},
                   {"local_derivative", c.local}});
    j["backward"].push_back({{"node", i}, {"adjoint", rec.adj[i]}, {"terms", t}});
  }
  std::vector<std::pair<std::string, Json>> gradient;
  for (std::size_t k = 0; k < point.size(); ++k)
    gradient.emplace_back(point[k].name, rec.adj[rec.r.inputs[k].index()]);
  j["gradient"] = object_of_distinct_keys(std::move(gradient));
  return j;
}

Json network_warnings_json(const NetworkHistory& h, const std::string& message) {
  Json out = Json::array();
  if (!h.warning.empty())
    out.push_back({{"kind", h.stopped_early ? "diverged" : "loss_rose"}, {"message", message}});
  return out;
}

}  // namespace gradlab::cli
