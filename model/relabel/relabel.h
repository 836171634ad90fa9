// Relabeling: rewrites a label set with an ordered list of rules, exactly as
// Prometheus's model/relabel does. Used on discovered targets (relabel_configs),
// on scraped series (metric_relabel_configs) and on alerts. A Config is
// immutable once validated and safe to share between threads; its compiled
// regex is shared by all copies. Process() is reentrant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "util/result.h"
#include "util/status.h"

namespace re2 {
class RE2;
}

namespace ward::relabel {

enum class Action {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// "replace", "keep", ... (the YAML spelling).
std::string_view ActionName(Action a);
// Case-insensitive, as Prometheus. Fails with `unknown relabel action "x"`.
Result<Action> ParseAction(std::string_view s);

// Which label names are valid. Prometheus 3.x defaults to UTF-8: any
// non-empty valid UTF-8 string; legacy is [a-zA-Z_][a-zA-Z0-9_]*.
enum class NameValidation { kUtf8, kLegacy };

bool IsValidLabelName(std::string_view name, NameValidation v = NameValidation::kUtf8);

// An anchored regex: "^(?:" + source + ")$", compiled once with RE2.
// Copies share the compiled program. Immutable; thread-safe.
class Regexp {
 public:
  // The default "(.*)".
  Regexp();
  // Fails with InvalidArgument (RE2's message) when `source` does not compile.
  static Result<Regexp> Make(std::string_view source);

  const std::string& source() const { return source_; }
  const re2::RE2& re() const { return *re_; }
  bool FullMatch(std::string_view s) const;
  // True when this is the shared default "(.*)" program.
  bool IsDefault() const;
  // Same source text (and so the same program).
  bool operator==(const Regexp& o) const { return source_ == o.source_; }

 private:
  std::string source_;
  std::shared_ptr<const re2::RE2> re_;
};

// One relabel rule (a `relabel_config` entry). Defaults are Prometheus's.
struct Config {
  // Labels whose values are joined with `separator` to form the input.
  std::vector<std::string> source_labels;
  // Default: ";".
  std::string separator = ";";
  // Default: "(.*)". Set with SetRegex() so the compiled program follows.
  Regexp regex;
  // hashmod only: the modulus (required, > 0).
  uint64_t modulus = 0;
  // Label written by replace/hashmod/lowercase/uppercase, compared by
  // keepequal/dropequal. replace may use $1 / ${name} in it.
  std::string target_label;
  // Default: "$1". Expanded with the regex's groups (Go Regexp.Expand rules).
  std::string replacement = "$1";
  // Default: replace.
  Action action = Action::kReplace;
  // Label name rules used by Validate() and at replace/labelmap time.
  NameValidation validation = NameValidation::kUtf8;
  // True when source_labels was given in the YAML (labeldrop/labelkeep
  // reject it even when empty, as Prometheus does).
  bool source_labels_set = false;

  Status SetRegex(std::string_view source);
  bool operator==(const Config&) const = default;
  // Checks the combination of fields as Prometheus's Config.Validate does,
  // with the same messages (e.g. "relabel configuration for hashmod requires
  // non-zero modulus").
  Status Validate() const;
};

// Applies `cfgs` in order to `in`. Returns false when a rule drops the set
// (then *out is left empty); otherwise *out holds the result, sorted.
// `in` and `out` may be the same object.
bool Process(const labels::Labels& in, const std::vector<Config>& cfgs, labels::Labels* out);

// Go's Regexp.Expand: appends `tmpl` to *dst with $n, ${n}, $name, ${name}
// replaced by the submatches `groups[0..ngroups)` of `re` (an unset group has
// a null data()); "$$" is a literal "$"; a malformed reference is copied as is.
void ExpandTemplate(const re2::RE2& re, std::string_view tmpl, const std::string_view* groups,
                    int ngroups, std::string* dst);

}  // namespace ward::relabel
