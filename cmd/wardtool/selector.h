// A small parser for series selectors on wardtool's command line
// (`up{job="x", instance=~"a.*"}`), until the PromQL parser is available to
// tools. Accepts: an optional metric name, then an optional {...} list of
// `name op "value"` with op one of = != =~ !~ and Go-style quoted values
// ("..." or '...' with \\ \" \' \n \t escapes). Thread-safe (pure function).
#pragma once

#include <string_view>
#include <vector>

#include "model/labels/matcher.h"
#include "util/result.h"

namespace ward::wardtool {

// InvalidArgument with the position on malformed input.
Result<std::vector<labels::Matcher>> ParseSelector(std::string_view s);

}  // namespace ward::wardtool
