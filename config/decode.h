// Strict YAML decoding helpers for config/ (internal to ward_config). They
// turn yaml-cpp nodes into values the way Go's yaml.v2 UnmarshalStrict does
// for Prometheus: unknown or duplicate fields and wrong types are errors, and
// every error names the line ("line 12: field x not found in type
// config.ScrapeConfig"). Stateless functions plus a per-map MapDecoder;
// thread-compatible.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "util/status.h"

namespace ward::config::internal {

// 1-based line of `n` (0 when unknown).
int LineOf(const YAML::Node& n);
// "line N: msg" (or just msg when the line is unknown).
Status ErrorAt(const YAML::Node& n, std::string_view msg);
Status ErrorAtLine(int line, std::string_view msg);

// Go's %q of s.
std::string Quote(std::string_view s);

// yaml.v2's view of a node's tag: !!str, !!int, !!bool, !!float, !!null, !!map, !!seq.
std::string GoTag(const YAML::Node& n);

// Scalars. Null nodes are the caller's business (MapDecoder skips them).
Status DecodeString(const YAML::Node& n, std::string* out);
Status DecodeBool(const YAML::Node& n, bool* out);
Status DecodeUint(const YAML::Node& n, uint64_t* out);
Status DecodeInt(const YAML::Node& n, int64_t* out);
Status DecodeDuration(const YAML::Node& n, Duration* out);
Status DecodeSize(const YAML::Node& n, int64_t* out);
Status DecodeStringList(const YAML::Node& n, std::vector<std::string>* out);
Status DecodeStringMap(const YAML::Node& n, std::map<std::string, std::string>* out);

// Decodes one YAML mapping strictly. Typical use:
//   MapDecoder m(node, "config.ScrapeConfig");
//   WARD_RETURN_IF_ERROR(m.Init());
//   WARD_RETURN_IF_ERROR(m.Str("job_name", &c.job_name));
//   ...
//   WARD_RETURN_IF_ERROR(m.Finish());   // reports fields nobody took
// Absent and null-valued fields leave the output untouched.
class MapDecoder {
 public:
  MapDecoder(const YAML::Node& node, std::string type_name);

  // Fails when the node is not a mapping ("cannot unmarshal !!seq into
  // config.X") or repeats a key ("key \"x\" already set in map").
  Status Init();

  // The value of `key`, marked as consumed; an invalid (!IsDefined()) node
  // when absent or null.
  YAML::Node Take(std::string_view key);
  bool Has(std::string_view key) const;
  // Line of the key `key` (0 when absent).
  int KeyLine(std::string_view key) const;
  const YAML::Node& node() const { return node_; }

  Status Str(std::string_view key, std::string* out);
  Status SecretField(std::string_view key, Secret* out);
  Status Bool(std::string_view key, bool* out);
  Status Uint(std::string_view key, uint64_t* out);
  Status Int(std::string_view key, int64_t* out);
  Status Dur(std::string_view key, Duration* out);
  Status Size(std::string_view key, int64_t* out);
  Status StrList(std::string_view key, std::vector<std::string>* out);
  Status StrMap(std::string_view key, std::map<std::string, std::string>* out);

  // Accepts `key` without decoding it; when present, records `what` in
  // *unsupported (Prometheus settings ward parses but does not act on).
  void Ignore(std::string_view key, std::vector<std::string>* unsupported, std::string_view what);

  // Fails on the first key that no Take/Str/... consumed.
  Status Finish() const;

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool used = false;
  };
  Entry* Find(std::string_view key);
  const Entry* Find(std::string_view key) const;

  YAML::Node node_;
  std::string type_name_;
  std::vector<Entry> entries_;
};

// Joins a relative path onto dir (Prometheus's config.JoinDir): empty and
// absolute paths are returned unchanged.
std::string JoinDir(std::string_view dir, std::string_view path);

// os.Expand with the environment, as Prometheus applies to external labels:
// $VAR and ${VAR} are replaced ("" when unset), $$ is a literal $.
std::string ExpandEnv(std::string_view s);

}  // namespace ward::config::internal
