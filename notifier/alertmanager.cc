// Alertmanager endpoints from target groups; see alertmanager.h.
#include "notifier/alertmanager.h"

#include "model/relabel/relabel.h"

namespace ward::notifier {

std::string CleanPath(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    if (seg.empty() || seg == ".") {
      // skip
    } else if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view s : parts) {
    out.push_back('/');
    out.append(s);
  }
  if (out.empty()) out.push_back('/');
  return out;
}

std::string PostPath(std::string_view path_prefix) {
  std::string joined = "/";
  joined.append(path_prefix);
  joined.append("/api/v2/alerts");
  return CleanPath(joined);
}

std::string AlertmanagerURL(const labels::Labels& target) {
  std::string url(target.Get(kSchemeLabel));
  url.append("://");
  url.append(target.Get(targetgroup::kAddressLabel));
  std::string_view path = target.Get(kAlertsPathLabel);
  if (!path.empty() && path.front() != '/') url.push_back('/');
  url.append(path);
  return url;
}

Status AlertmanagersFromGroup(const targetgroup::Group& group, const config::AlertmanagerConfig& cfg,
                              std::vector<labels::Labels>* active, std::vector<labels::Labels>* dropped) {
  std::vector<labels::Labels> kept, gone;
  const std::string path = PostPath(cfg.path_prefix);
  labels::Builder b;
  labels::Labels out;
  for (const labels::Labels& target : group.targets) {
    b.Reset(target);
    b.Set(kSchemeLabel, cfg.scheme);
    b.Set(kAlertsPathLabel, path);
    for (const auto& l : group.labels) {
      if (!target.Has(l.name)) b.Set(l.name, l.value);
    }
    labels::Labels pre = b.Build();
    if (!relabel::Process(pre, cfg.relabel_configs, &out)) {
      gone.push_back(std::move(pre));
      continue;
    }
    std::string_view addr = out.Get(targetgroup::kAddressLabel);
    if (addr.empty() || addr.find('/') != std::string_view::npos) {
      std::string msg(1, '"');
      msg.append(addr).append("\" is not a valid hostname");
      return Status::InvalidArgument(msg);
    }
    kept.push_back(std::move(out));
    out = labels::Labels();
  }
  for (auto& l : kept) active->push_back(std::move(l));
  for (auto& l : gone) dropped->push_back(std::move(l));
  return Status::OK();
}

}  // namespace ward::notifier
