// Parsing file_sd target group files (JSON or YAML).
#include "discovery/targetgroup/targetgroup.h"

#include <yaml-cpp/yaml.h>

#include "model/relabel/relabel.h"

namespace ward::targetgroup {
namespace {

Status ErrorAt(const YAML::Node& n, std::string_view msg) {
  std::string out;
  if (n.IsDefined() && !n.Mark().is_null())
    out = "line " + std::to_string(n.Mark().line + 1) + ": ";
  out += msg;
  return Status::InvalidArgument(out);
}

std::string Quote(std::string_view s) {
  std::string out;
  labels::AppendQuoted(&out, s);
  return out;
}

Status DecodeGroup(const YAML::Node& n, bool json, Group* g) {
  if (!n.IsMap())
    return ErrorAt(n, "target group must be an object with \"targets\" and \"labels\"");
  bool seen_targets = false, seen_labels = false;
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) return ErrorAt(kv.first, "field names must be strings");
    const std::string& key = kv.first.Scalar();
    if (key == "targets") {
      if (seen_targets) return ErrorAt(kv.first, "key \"targets\" already set in map");
      seen_targets = true;
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsSequence())
        return ErrorAt(kv.second, "\"targets\" must be a list of strings");
      for (const auto& t : kv.second) {
        if (!t.IsScalar()) return ErrorAt(t, "\"targets\" must be a list of strings");
        g->targets.push_back(labels::Labels{{kAddressLabel, t.Scalar()}});
      }
    } else if (key == "labels") {
      if (seen_labels) return ErrorAt(kv.first, "key \"labels\" already set in map");
      seen_labels = true;
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap()) return ErrorAt(kv.second, "\"labels\" must be a map of strings");
      std::vector<labels::Label> ls;
      for (const auto& l : kv.second) {
        if (!l.first.IsScalar() || !(l.second.IsScalar() || l.second.IsNull())) {
          return ErrorAt(l.first, "\"labels\" must be a map of strings");
        }
        std::string name = l.first.Scalar();
        std::string value = l.second.IsNull() ? "" : l.second.Scalar();
        if (!relabel::IsValidLabelName(name))
          return ErrorAt(l.first, Quote(name) + " is not a valid label name");
        if (!value.empty() && !relabel::IsValidLabelName(value)) {
          return ErrorAt(l.second, Quote(value) + " is not a valid label value");
        }
        for (const auto& prev : ls) {
          if (prev.name == name)
            return ErrorAt(l.first, "key " + Quote(name) + " already set in map");
        }
        ls.push_back(labels::Label{std::move(name), std::move(value)});
      }
      g->labels = labels::Labels(std::move(ls));
    } else if (!json) {
      // YAML files are decoded strictly; JSON ignores unknown keys (Go's encoding/json).
      return ErrorAt(
          kv.first,
          "field " + key + " not found in type struct { Targets []string; Labels model.LabelSet }");
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<Group>> ParseGroups(std::string_view content, bool json) {
  std::vector<Group> out;
  try {
    YAML::Node root = YAML::Load(std::string(content));
    if (!root.IsDefined() || root.IsNull()) return out;
    if (!root.IsSequence()) return ErrorAt(root, "file must contain a list of target groups");
    for (const auto& item : root) {
      if (item.IsNull()) return ErrorAt(root, "nil target group item found");
      Group g;
      WARD_RETURN_IF_ERROR(DecodeGroup(item, json, &g));
      out.push_back(std::move(g));
    }
  } catch (const YAML::Exception& e) {
    std::string msg = json ? "json: " : "yaml: ";
    if (!e.mark.is_null()) msg += "line " + std::to_string(e.mark.line + 1) + ": ";
    msg += e.msg;
    return Status::InvalidArgument(msg);
  }
  return out;
}

}  // namespace ward::targetgroup
