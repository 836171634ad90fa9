// Internal to ward_config: the section decoders shared by config.cc (root,
// global, alerting, remote, storage, loading) and scrape_config.cc (scrape
// jobs, relabel rules, service discovery). Stateless; thread-compatible.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/decode.h"

namespace ward::config::internal {

// Where a section is decoded from.
struct Ctx {
  std::string dir;                        // base for relative paths ("" = leave as written)
  std::vector<std::string>* unsupported;  // Config::unsupported
};

// What DecodeGlobal learned that jobs need beyond GlobalConfig.
struct GlobalExtras {
  relabel::NameValidation validation = relabel::NameValidation::kUtf8;
  bool protocols_set = false;
};

Result<relabel::NameValidation> ParseValidation(const YAML::Node& n, std::string_view s);
bool IsEscapingScheme(std::string_view s);
// A label set from a YAML map, with Prometheus's name and value checks.
Status DecodeLabelSet(const YAML::Node& n, relabel::NameValidation v, labels::Labels* out);
// Decodes a list of relabel rules (validated later by ValidateRelabels, once
// the name validation scheme is known); *lines gets each rule's line.
Status DecodeRelabelList(MapDecoder& m, std::string_view key, std::string_view null_msg,
                         std::vector<relabel::Config>* out, std::vector<int>* lines);
Status ValidateRelabels(std::vector<relabel::Config>* cfgs, const std::vector<int>& lines,
                        relabel::NameValidation v);
// static_configs, file_sd_configs, and the other Prometheus *_sd_configs
// (accepted, recorded as unsupported for `owner`).
Status DecodeServiceDiscovery(MapDecoder& m, const Ctx& ctx, std::string_view owner,
                              std::vector<StaticConfig>* statics, std::vector<FileSDConfig>* files);
// Static targets must be host:port, not URLs.
Status CheckStaticTargets(const std::vector<StaticConfig>& statics, int line);
// Go's %v of a []string: "[a b c]".
std::string JoinList(const std::vector<std::string>& v);
// "" when valid, else the reason without context.
std::string ValidateProtocols(const std::vector<std::string>& sps);
// One scrape_configs entry, validated and filled from global.
Status DecodeScrape(const YAML::Node& n, const GlobalConfig& g, const GlobalExtras& gx,
                    const Ctx& ctx, ScrapeConfig* c);

// A list section whose items may not be null.
template <typename T, typename F>
Status DecodeList(MapDecoder& m, std::string_view key, std::string_view go_type,
                  std::string_view null_msg, std::vector<T>* out, F decode_one) {
  YAML::Node list = m.Take(key);
  if (!list.IsDefined()) return Status::OK();
  if (!list.IsSequence()) {
    return ErrorAt(list,
                   "cannot unmarshal " + internal::GoTag(list) + " into " + std::string(go_type));
  }
  for (const auto& item : list) {
    if (item.IsNull()) return ErrorAt(list, null_msg);
    T v;
    WARD_RETURN_IF_ERROR(decode_one(item, &v));
    out->push_back(std::move(v));
  }
  return Status::OK();
}

}  // namespace ward::config::internal
