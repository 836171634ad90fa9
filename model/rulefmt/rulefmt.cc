// Rule file decoding and validation (see rulefmt.h).
#include "model/rulefmt/rulefmt.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "config/decode.h"
#include "promql/parser/parse.h"
#include "template/expand.h"

namespace ward::rulefmt {
namespace {

namespace ci = ward::config::internal;

struct Pos {
  int line = 0;
  int col = 0;
};

Pos PosOf(const YAML::Node& n) {
  if (!n.IsDefined()) return {};
  YAML::Mark m = n.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string PosStr(Pos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

bool IsValidMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The value nodes that a rule's validation errors point at.
struct RuleNodes {
  YAML::Node record, alert, expr;
};

// Strict decoding of one mapping: collects errors for unknown and repeated
// keys and wrong types into *errs ("line N: ..."), like yaml.v2's
// UnmarshalStrict, and keeps going so that all of them are reported.
class Fields {
 public:
  Fields(const YAML::Node& n, std::string type, std::vector<std::string>* errs)
      : node_(n), type_(std::move(type)), errs_(errs) {}

  // False (with an error) when the node is not a mapping.
  bool Init() {
    if (node_.IsNull()) return false;
    if (!node_.IsMap()) {
      Add(ci::ErrorAt(node_, "cannot unmarshal " + ci::GoTag(node_) + " into " + type_));
      return false;
    }
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      std::string key = it->first.Scalar();
      for (const auto& [k, kn, v] : entries_) {
        if (k == key) {
          Add(ci::ErrorAt(it->first, "key " + ci::Quote(key) + " already set in map"));
        }
      }
      entries_.push_back({key, it->first, it->second});
    }
    return true;
  }
  // The value of `key` (undefined node when absent or null).
  YAML::Node Get(std::string_view key) {
    known_.insert(std::string(key));
    for (const auto& [k, kn, v] : entries_) {
      if (k == key && v.IsDefined() && !v.IsNull()) return v;
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }
  void Str(std::string_view key, std::string* out) {
    YAML::Node v = Get(key);
    if (v.IsDefined()) Add(ci::DecodeString(v, out));
  }
  void Dur(std::string_view key, Duration* out) {
    YAML::Node v = Get(key);
    if (v.IsDefined()) Add(ci::DecodeDuration(v, out));
  }
  void Map(std::string_view key, std::map<std::string, std::string>* out) {
    YAML::Node v = Get(key);
    if (v.IsDefined()) Add(ci::DecodeStringMap(v, out));
  }
  void Finish() {
    for (const auto& [k, kn, v] : entries_) {
      if (!known_.count(k)) Add(ci::ErrorAt(kn, "field " + k + " not found in type " + type_));
    }
  }
  void Add(const Status& st) {
    if (!st.ok()) errs_->emplace_back(st.message());
  }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  YAML::Node node_;
  std::string type_;
  std::vector<std::string>* errs_;
  std::vector<Entry> entries_;
  std::set<std::string> known_;
};

void DecodeRule(const YAML::Node& n, Rule* r, RuleNodes* nodes, std::vector<std::string>* errs) {
  Fields f(n, "rulefmt.RuleNode", errs);
  r->line = PosOf(n).line;
  if (!f.Init()) return;
  nodes->record = f.Get("record");
  nodes->alert = f.Get("alert");
  nodes->expr = f.Get("expr");
  f.Str("record", &r->record);
  f.Str("alert", &r->alert);
  f.Str("expr", &r->expr);
  f.Dur("for", &r->for_ms);
  f.Dur("keep_firing_for", &r->keep_firing_for_ms);
  f.Map("labels", &r->labels);
  f.Map("annotations", &r->annotations);
  f.Finish();
}

void DecodeGroup(const YAML::Node& n, RuleGroup* g, std::vector<RuleNodes>* nodes,
                 std::vector<std::string>* errs) {
  Fields f(n, "rulefmt.RuleGroup", errs);
  g->line = PosOf(n).line;
  if (!f.Init()) return;
  f.Str("name", &g->name);
  f.Dur("interval", &g->interval_ms);
  if (YAML::Node v = f.Get("limit"); v.IsDefined()) f.Add(ci::DecodeInt(v, &g->limit));
  if (YAML::Node v = f.Get("query_offset"); v.IsDefined()) {
    Duration d = 0;
    f.Add(ci::DecodeDuration(v, &d));
    g->query_offset_ms = d;
  }
  f.Map("labels", &g->labels);
  YAML::Node rules = f.Get("rules");
  f.Finish();
  if (!rules.IsDefined()) return;
  if (!rules.IsSequence()) {
    f.Add(ci::ErrorAt(rules, "cannot unmarshal " + ci::GoTag(rules) + " into []rulefmt.RuleNode"));
    return;
  }
  for (const YAML::Node& rn : rules) {
    g->rules.emplace_back();
    nodes->emplace_back();
    DecodeRule(rn, &g->rules.back(), &nodes->back(), errs);
  }
}

// One validation error of a rule: the "L:C: " position prefix (empty when
// Prometheus gives none) and the message.
struct RuleError {
  std::string pos;
  std::string msg;
};

// Validation errors of one rule, in Prometheus's order.
void ValidateRule(const Rule& r, const RuleNodes& nd, std::vector<RuleError>* out) {
  auto at = [&](const YAML::Node& n, std::string msg) {
    out->push_back({PosStr(PosOf(n)) + ": ", std::move(msg)});
  };
  if (!r.record.empty() && !r.alert.empty()) {
    out->push_back({PosStr(PosOf(nd.record)) + ": " + PosStr(PosOf(nd.alert)) + ": ",
                    "only one of 'record' and 'alert' must be set"});
  }
  if (r.record.empty() && r.alert.empty()) {
    at(nd.record.IsDefined() ? nd.record : nd.alert, "one of 'record' or 'alert' must be set");
  }
  if (r.expr.empty()) {
    at(nd.expr, "field 'expr' must be set in rule");
  } else if (auto e = promql::parser::ParseExpr(r.expr); !e.ok()) {
    at(nd.expr, "could not parse expression: " + std::string(e.status().message()));
  }
  if (!r.record.empty()) {
    if (!r.annotations.empty()) at(nd.record, "invalid field 'annotations' in recording rule");
    if (r.for_ms != 0) at(nd.record, "invalid field 'for' in recording rule");
    if (r.keep_firing_for_ms != 0) {
      at(nd.record, "invalid field 'keep_firing_for' in recording rule");
    }
    if (!IsValidMetricName(r.record)) at(nd.record, "invalid recording rule name: " + r.record);
  }
  // Maps are sorted, so the order is stable (Go's map order is random).
  for (const auto& [k, v] : r.labels) {
    if (!IsValidLabelName(k) || k == "__name__") out->push_back({"", "invalid label name: " + k});
  }
  for (const auto& [k, v] : r.annotations) {
    if (!IsValidLabelName(k)) out->push_back({"", "invalid annotation name: " + k});
  }
  // Alerting rules: every label and annotation must parse as a template.
  if (!r.alert.empty()) {
    const std::string name = "__alert_" + r.alert;
    for (const auto& [k, v] : r.labels) {
      if (Status st = tmpl::CheckSyntax(name, v); !st.ok()) {
        out->push_back({"", "label " + ci::Quote(k) + ": " + std::string(st.message())});
      }
    }
    for (const auto& [k, v] : r.annotations) {
      if (Status st = tmpl::CheckSyntax(name, v); !st.ok()) {
        out->push_back({"", "annotation " + ci::Quote(k) + ": " + std::string(st.message())});
      }
    }
  }
}

Status Failure(std::string_view filename, const std::vector<std::string>& lines) {
  std::string msg;
  for (const std::string& l : lines) {
    if (!msg.empty()) msg += '\n';
    msg += std::string(filename) + ": " + l;
  }
  return Status::InvalidArgument(msg);
}

}  // namespace

size_t RuleGroups::NumRules() const {
  size_t n = 0;
  for (const RuleGroup& g : groups) n += g.rules.size();
  return n;
}

Result<RuleGroups> Parse(std::string_view bytes, std::string_view filename) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(bytes));
  } catch (const YAML::Exception& e) {
    return Failure(filename, {"yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg});
  }
  RuleGroups out;
  std::vector<std::vector<RuleNodes>> nodes;
  std::vector<YAML::Node> group_nodes;
  std::vector<std::string> errs;
  Fields top(root, "rulefmt.RuleGroups", &errs);
  if (top.Init()) {
    YAML::Node groups = top.Get("groups");
    top.Finish();
    if (groups.IsDefined()) {
      if (!groups.IsSequence()) {
        top.Add(ci::ErrorAt(groups, "cannot unmarshal " + ci::GoTag(groups) +
                                        " into []rulefmt.RuleGroup"));
      } else {
        for (const YAML::Node& gn : groups) {
          out.groups.emplace_back();
          nodes.emplace_back();
          group_nodes.push_back(gn);
          DecodeGroup(gn, &out.groups.back(), &nodes.back(), &errs);
        }
      }
    }
  }
  if (!errs.empty()) {
    std::string msg = "yaml: unmarshal errors:";
    for (const std::string& e : errs) msg += "\n  " + e;
    return Failure(filename, {msg});
  }

  std::vector<std::string> verrs;
  std::set<std::string> seen;
  for (size_t j = 0; j < out.groups.size(); ++j) {
    const RuleGroup& g = out.groups[j];
    const std::string gpos = PosStr(PosOf(group_nodes[j]));
    if (g.name.empty()) verrs.push_back(gpos + ": Groupname must not be empty");
    if (!seen.insert(g.name).second) {
      verrs.push_back(gpos + ": groupname: \"" + g.name + "\" is repeated in the same file");
    }
    for (size_t i = 0; i < g.rules.size(); ++i) {
      const Rule& r = g.rules[i];
      std::vector<RuleError> rerrs;
      ValidateRule(r, nodes[j][i], &rerrs);
      const std::string where = "group " + ci::Quote(g.name) + ", rule " + std::to_string(i + 1) +
                                ", " + ci::Quote(r.Name()) + ": ";
      for (const RuleError& e : rerrs) verrs.push_back(e.pos + where + e.msg);
    }
  }
  if (!verrs.empty()) return Failure(filename, verrs);
  return out;
}

Result<RuleGroups> ParseFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::IOError("read " + path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("open " + path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

std::vector<Duplicate> FindDuplicates(const RuleGroups& rgs) {
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> all;
  for (const RuleGroup& g : rgs.groups) {
    for (const Rule& r : g.rules) all.emplace_back(r.Name(), r.labels);
  }
  std::sort(all.begin(), all.end());
  std::vector<Duplicate> out;
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i] == all[i - 1] && (out.empty() || out.back().metric != all[i].first ||
                                 out.back().labels != all[i].second)) {
      out.push_back({all[i].first, all[i].second});
    }
  }
  return out;
}

}  // namespace ward::rulefmt
