// Alertmanager endpoints from discovered targets: each target of an
// alertmanager config's target groups gets __scheme__ and __alerts_path__
// (path_prefix + "/api/v2/alerts"), goes through the config's
// relabel_configs and becomes the URL scheme://__address__/__alerts_path__,
// or is listed as dropped. Mirrors Prometheus's AlertmanagerFromGroup.
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "discovery/targetgroup/targetgroup.h"
#include "model/labels/labels.h"
#include "util/status.h"

namespace ward::notifier {

inline constexpr std::string_view kSchemeLabel = "__scheme__";
inline constexpr std::string_view kAlertsPathLabel = "__alerts_path__";

// The POST path for `path_prefix`: "/" + prefix + "/api/v2/alerts", cleaned
// like Go's path.Join ("/" -> "/api/v2/alerts", "/am/" -> "/am/api/v2/alerts").
std::string PostPath(std::string_view path_prefix);

// Go's path.Clean of a slash-separated path (no trailing slash except "/").
std::string CleanPath(std::string_view p);

// scheme://address/path from a relabeled target's labels.
std::string AlertmanagerURL(const labels::Labels& target);

// Appends the kept targets of `group` (labels after relabeling) to *active
// and the dropped ones (labels before relabeling) to *dropped. Fails with
// InvalidArgument, appending nothing, when a kept target's __address__ is
// empty or holds a '/' (Prometheus: `"x/y" is not a valid hostname`).
Status AlertmanagersFromGroup(const targetgroup::Group& group, const config::AlertmanagerConfig& cfg,
                              std::vector<labels::Labels>* active, std::vector<labels::Labels>* dropped);

}  // namespace ward::notifier
