// Binary operators: scalar/scalar, vector/scalar and vector/vector with
// on/ignoring/group_left/group_right matching, bool, and the set operators.
// Result labels are computed once per (lhs, rhs) series pair and cached.
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "promql/evaluator.h"

namespace ward::promql {

using parser::Cardinality;
using parser::Expr;
using parser::ItemType;
using parser::ValueType;

namespace {

bool IsArith(ItemType op) {
  switch (op) {
    case ItemType::ADD:
    case ItemType::SUB:
    case ItemType::MUL:
    case ItemType::DIV:
    case ItemType::MOD:
    case ItemType::POW:
    case ItemType::ATAN2:
      return true;
    default:
      return false;
  }
}

// Returns the value and whether a comparison kept the element.
inline double ElemBinop(ItemType op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case ItemType::ADD:
      return l + r;
    case ItemType::SUB:
      return l - r;
    case ItemType::MUL:
      return l * r;
    case ItemType::DIV:
      return l / r;
    case ItemType::POW:
      return std::pow(l, r);
    case ItemType::MOD:
      return std::fmod(l, r);
    case ItemType::ATAN2:
      return std::atan2(l, r);
    case ItemType::EQLC:
      *keep = l == r;
      return l;
    case ItemType::NEQ:
      *keep = l != r;
      return l;
    case ItemType::GTR:
      *keep = l > r;
      return l;
    case ItemType::LSS:
      *keep = l < r;
      return l;
    case ItemType::GTE:
      *keep = l >= r;
      return l;
    case ItemType::LTE:
      *keep = l <= r;
      return l;
    default:
      ThrowExec("operator not allowed for float operations");
  }
}

labels::Labels MatchLabels(const labels::Labels& l, bool on,
                           const std::vector<std::string>& names) {
  std::vector<labels::Label> out;
  for (const labels::Label& x : l) {
    const bool listed = std::find(names.begin(), names.end(), x.name) != names.end();
    if (on ? listed : (!listed && x.name != labels::kMetricName)) out.push_back(x);
  }
  return labels::Labels(std::move(out));
}

struct PtrPairHash {
  size_t operator()(const std::pair<const void*, const void*>& p) const {
    return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
  }
};

}  // namespace

EvalValue Evaluator::EvalBinary(const Expr& e, const parser::BinaryExpr& b) {
  QueryContext& ctx = *ctx_;
  const bool delayed = ctx.opts.delayed_name_removal;
  const ItemType op = b.op;
  const ValueType lt = b.lhs->Type(), rt = b.rhs->Type();
  EvalValue lhs = Eval(*b.lhs);
  EvalValue rhs = Eval(*b.rhs);
  // Scalars always carry one series; keep that invariant for the code below.
  if (lt == ValueType::kScalar && lhs.mat.empty()) lhs.mat.emplace_back();
  if (rt == ValueType::kScalar && rhs.mat.empty()) rhs.mat.emplace_back();
  EvalValue r;
  const bool drop_name = IsArith(op) || b.return_bool;

  // scalar op scalar
  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    r.type = ValueType::kScalar;
    Series s;
    const auto& lp = lhs.mat[0].floats;
    const auto& rp = rhs.mat[0].floats;
    for (size_t i = 0; i < lp.size() && i < rp.size(); i++) {
      bool keep;
      double v = ElemBinop(op, lp[i].f, rp[i].f, &keep);
      if (b.return_bool) v = keep ? 1 : 0;
      s.floats.push_back({lp[i].t, v});
    }
    r.mat.push_back(std::move(s));
    return r;
  }

  r.type = ValueType::kVector;
  LabelArena arena;
  absl::flat_hash_map<const labels::Labels*, const labels::Labels*> drop_cache;
  auto dropped = [&](const labels::Labels* m) -> const labels::Labels* {
    if (delayed || !drop_name) return m;
    auto it = drop_cache.find(m);
    if (it != drop_cache.end()) return it->second;
    const labels::Labels* l = arena.Add(DropMetricName(*m));
    drop_cache.emplace(m, l);
    return l;
  };

  // vector op scalar / scalar op vector
  if (lt == ValueType::kScalar || rt == ValueType::kScalar) {
    const bool swap = lt == ValueType::kScalar;
    const Matrix& vec = swap ? rhs.mat : lhs.mat;
    const Series& sc = swap ? lhs.mat[0] : rhs.mat[0];
    std::vector<const Matrix*> args{&vec};
    r.mat = RangeEval(args, [&](int step, int64_t ts, std::span<StepVector> in, StepVector* out) {
      const double sv = step < static_cast<int>(sc.floats.size())
                            ? sc.floats[step].f
                            : std::numeric_limits<double>::quiet_NaN();
      for (const StepSample& s : in[0]) {
        double lv = s.f, rv = sv;
        if (swap) std::swap(lv, rv);
        bool keep;
        double v = ElemBinop(op, lv, rv, &keep);
        if (!IsArith(op) && swap) v = rv;
        if (b.return_bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        StepSample o{dropped(s.metric), v, ts, s.drop_name || (delayed && drop_name)};
        out->push_back(o);
      }
    });
    return r;
  }

  // vector op vector
  const parser::VectorMatching& m = *b.matching;
  auto sig = [&](const labels::Labels& l) {
    return m.on ? l.HashForLabels(m.matching_labels) : l.HashWithoutLabels(m.matching_labels);
  };
  absl::flat_hash_map<const labels::Labels*, uint64_t> sig_cache;
  auto sig_of = [&](const labels::Labels* l) {
    auto it = sig_cache.find(l);
    if (it != sig_cache.end()) return it->second;
    uint64_t h = sig(*l);
    sig_cache.emplace(l, h);
    return h;
  };
  std::vector<const Matrix*> args{&lhs.mat, &rhs.mat};

  if (op == ItemType::LAND || op == ItemType::LOR || op == ItemType::LUNLESS) {
    absl::flat_hash_set<uint64_t> sigs;
    r.mat = RangeEval(args, [&](int, int64_t, std::span<StepVector> in, StepVector* out) {
      sigs.clear();
      const StepVector& L = in[0];
      const StepVector& R = in[1];
      if (op == ItemType::LAND) {
        for (const StepSample& s : R) sigs.insert(sig_of(s.metric));
        for (const StepSample& s : L)
          if (sigs.contains(sig_of(s.metric))) out->push_back(s);
      } else if (op == ItemType::LUNLESS) {
        for (const StepSample& s : R) sigs.insert(sig_of(s.metric));
        for (const StepSample& s : L)
          if (!sigs.contains(sig_of(s.metric))) out->push_back(s);
      } else {
        for (const StepSample& s : L) {
          sigs.insert(sig_of(s.metric));
          out->push_back(s);
        }
        for (const StepSample& s : R)
          if (!sigs.contains(sig_of(s.metric))) out->push_back(s);
      }
    });
    return r;
  }

  if (m.card == Cardinality::kManyToMany) {
    ThrowExec("many-to-many only allowed for set operators");
  }
  const bool one_to_many = m.card == Cardinality::kOneToMany;
  absl::flat_hash_map<std::pair<const void*, const void*>, const labels::Labels*, PtrPairHash>
      result_cache;
  auto result_metric = [&](const labels::Labels* l, const labels::Labels* rr) {
    auto key = std::make_pair(static_cast<const void*>(l), static_cast<const void*>(rr));
    auto it = result_cache.find(key);
    if (it != result_cache.end()) return it->second;
    labels::Builder lb(*l);
    if (drop_name && !delayed) lb.Del(labels::kMetricName).Del("__type__").Del("__unit__");
    if (m.card == Cardinality::kOneToOne) {
      if (m.on) {
        lb.Keep(m.matching_labels);
      } else {
        for (const std::string& n : m.matching_labels) lb.Del(n);
      }
    }
    for (const std::string& n : m.include) {
      std::string_view v = rr->Get(n);
      if (!v.empty()) {
        lb.Set(n, v);
      } else {
        lb.Del(n);
      }
    }
    const labels::Labels* res = arena.Add(lb.Build());
    result_cache.emplace(key, res);
    return res;
  };

  absl::flat_hash_map<uint64_t, const StepSample*> right_sigs;
  absl::flat_hash_map<const labels::Labels*, const labels::Labels*> fill_cache;
  static const labels::Labels kNoLabels;
  absl::flat_hash_map<uint64_t, absl::flat_hash_set<uint64_t>> matched;
  r.mat = RangeEval(args, [&](int, int64_t ts, std::span<StepVector> in, StepVector* out) {
    const StepVector* L = &in[0];
    const StepVector* R = &in[1];
    // Fill modifiers apply in the frame after the one-to-many swap.
    const bool fill_l = m.fill_left.has_value(), fill_r = m.fill_right.has_value();
    if ((L->empty() && !fill_l) || (R->empty() && !fill_r)) return;
    if (L->empty() && R->empty()) return;
    if (one_to_many) std::swap(L, R);
    right_sigs.clear();
    matched.clear();
    for (const StepSample& s : *R) {
      const uint64_t h = sig_of(s.metric);
      auto [it, inserted] = right_sigs.emplace(h, &s);
      if (!inserted) {
        labels::Labels ml = MatchLabels(*s.metric, m.on, m.matching_labels);
        const labels::Labels* a = s.metric;
        const labels::Labels* b2 = it->second->metric;
        if (labels::Labels::Compare(*b2, *a) < 0) std::swap(a, b2);
        ThrowExec("found duplicate series for the match group " + ml.ToString() + " on the " +
                  (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
                  a->ToString() + ", " + b2->ToString() +
                  "];many-to-many matching not allowed: matching labels must be unique on one "
                  "side");
      }
    }
    for (const StepSample& ls : *L) {
      const uint64_t h = sig_of(ls.metric);
      auto it = right_sigs.find(h);
      if (it == right_sigs.end()) {
        if (!fill_r) continue;
        // No match on the right: use the fill value and the left's labels.
        double fl = ls.f, fr = *m.fill_right;
        if (one_to_many) std::swap(fl, fr);
        bool keep;
        double v = ElemBinop(op, fl, fr, &keep);
        if (b.return_bool) {
          v = keep ? 1 : 0;
        } else if (!keep) {
          continue;
        }
        const labels::Labels* metric = result_metric(ls.metric, &kNoLabels);
        out->push_back(StepSample{metric, v, ts, delayed && (drop_name || ls.drop_name)});
        continue;
      }
      const StepSample& rs = *it->second;
      double fl = ls.f, fr = rs.f;
      if (one_to_many) std::swap(fl, fr);
      bool keep;
      double v = ElemBinop(op, fl, fr, &keep);
      const labels::Labels* metric = result_metric(ls.metric, rs.metric);
      auto mit = matched.find(h);
      if (m.card == Cardinality::kOneToOne) {
        if (mit != matched.end()) {
          ThrowExec(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        matched[h];
      } else {
        const uint64_t ins = metric->Hash();
        auto& set = matched[h];
        if (!set.insert(ins).second) {
          ThrowExec("multiple matches for labels: grouping labels must ensure unique matches");
        }
      }
      if (b.return_bool) {
        v = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      out->push_back(StepSample{metric, v, ts, delayed && (drop_name || ls.drop_name)});
    }
    if (fill_l) {
      // Right-hand samples no left-hand sample matched: fill the left side;
      // the result carries the match group's labels.
      for (const StepSample& rs : *R) {
        const uint64_t h = sig_of(rs.metric);
        if (matched.contains(h) || right_sigs[h] != &rs) continue;
        double fl = *m.fill_left, fr = rs.f;
        if (one_to_many) std::swap(fl, fr);
        bool keep;
        double v = ElemBinop(op, fl, fr, &keep);
        if (b.return_bool) {
          v = keep ? 1 : 0;
        } else if (!keep) {
          continue;
        }
        auto fit = fill_cache.find(rs.metric);
        if (fit == fill_cache.end()) {
          fit = fill_cache
                    .emplace(rs.metric, arena.Add(MatchLabels(*rs.metric, m.on, m.matching_labels)))
                    .first;
        }
        out->push_back(StepSample{fit->second, v, ts, false});
      }
    }
  });
  return r;
}

}  // namespace ward::promql
