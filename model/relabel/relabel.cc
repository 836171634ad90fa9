// Relabeling, following Prometheus's model/relabel semantics (3.x rules).
#include "model/relabel/relabel.h"

#include <locale.h>
#include <re2/re2.h>
#include <wctype.h>

#include <array>
#include <cstring>

#include "model/relabel/md5.h"

namespace ward::relabel {
namespace {

constexpr std::string_view kDefaultRegex = "(.*)";

std::shared_ptr<const re2::RE2> Compile(std::string_view source, std::string* error) {
  std::string anchored = "^(?:" + std::string(source) + ")$";
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(anchored, opts);
  if (!re->ok()) {
    *error = re->error();
    return nullptr;
  }
  return re;
}

const std::shared_ptr<const re2::RE2>& DefaultProgram() {
  static const std::shared_ptr<const re2::RE2> kProgram = [] {
    std::string err;
    return Compile(kDefaultRegex, &err);
  }();
  return kProgram;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and out-of-range code points are invalid (as in Go).
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += len;
  }
  return true;
}

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Prometheus's relabelTarget for legacy names: ^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$
bool IsLegacyNameWithVars(std::string_view s) {
  static const re2::RE2 kRe(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return re2::RE2::FullMatch(s, kRe);
}

bool IsValidNameWithVars(std::string_view s, NameValidation v) {
  if (v == NameValidation::kLegacy) return IsLegacyNameWithVars(s);
  return IsValidLabelName(s, v);
}

std::string Quote(std::string_view s) {
  std::string out;
  labels::AppendQuoted(&out, s);
  return out;
}

// Go's regexp extract(): parses the name after a '$'. Returns false when
// malformed; on success sets *name, *num (-1 when not a number), *consumed.
bool ExtractRef(std::string_view str, std::string_view* name, int* num, size_t* consumed) {
  if (str.empty()) return false;
  bool brace = false;
  size_t start = 0;
  if (str[0] == '{') {
    brace = true;
    start = 1;
  }
  size_t i = start;
  // Bytes >= 0x80 are treated as letters (Go accepts Unicode letters here).
  while (i < str.size() && (IsWordByte(str[i]) || static_cast<unsigned char>(str[i]) >= 0x80)) ++i;
  if (i == start) return false;
  *name = str.substr(start, i - start);
  if (brace) {
    if (i >= str.size() || str[i] != '}') return false;
    ++i;
  }
  int n = 0;
  for (char c : *name) {
    if (c < '0' || c > '9' || n >= 100000000) {
      n = -1;
      break;
    }
    n = n * 10 + (c - '0');
  }
  if ((*name)[0] == '0' && name->size() > 1) n = -1;
  *num = n;
  *consumed = i;
  return true;
}

// The working label set of one Process() call: unsorted, small.
using Work = std::vector<labels::Label>;

std::string_view Get(const Work& w, std::string_view name) {
  for (const auto& l : w) {
    if (l.name == name) return l.value;
  }
  return {};
}

void Del(Work* w, std::string_view name) {
  for (size_t i = 0; i < w->size(); ++i) {
    if ((*w)[i].name == name) {
      (*w)[i] = std::move(w->back());
      w->pop_back();
      return;
    }
  }
}

// As Prometheus's Builder.Set: an empty value deletes the label.
void Set(Work* w, std::string_view name, std::string_view value) {
  if (value.empty()) {
    Del(w, name);
    return;
  }
  for (auto& l : *w) {
    if (l.name == name) {
      l.value.assign(value);
      return;
    }
  }
  w->push_back(labels::Label{std::string(name), std::string(value)});
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? char(c - 32) : c; }

// glibc's C.UTF-8 locale carries the Unicode case tables; null when missing
// (then only ASCII letters change case).
locale_t Utf8Locale() {
  static const locale_t kLocale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0));
  return kLocale;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(char(cp));
  } else if (cp < 0x800) {
    out->push_back(char(0xc0 | (cp >> 6)));
    out->push_back(char(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(char(0xe0 | (cp >> 12)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(char(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(char(0xf0 | (cp >> 18)));
    out->push_back(char(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(char(0x80 | (cp & 0x3f)));
  }
}

// Go's strings.ToLower / ToUpper: ASCII fast path; otherwise every code
// point is case-mapped and invalid bytes become U+FFFD.
void ChangeCase(std::string* s, bool upper, std::string* scratch) {
  bool ascii = true;
  for (char c : *s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii || Utf8Locale() == locale_t(0)) {
    for (char& c : *s) c = upper ? AsciiUpper(c) : AsciiLower(c);
    return;
  }
  scratch->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s->data());
  size_t n = s->size();
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    uint32_t cp;
    size_t len = c < 0x80             ? 1
                 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    if (len == 0 || i + len > n || !IsValidUtf8(std::string_view(s->data() + i, len))) {
      AppendUtf8(0xfffd, scratch);
      ++i;
      continue;
    }
    cp = len == 1 ? c : c & (0xff >> (len + 1));
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (p[i + k] & 0x3f);
    wint_t mapped =
        upper ? towupper_l(wint_t(cp), Utf8Locale()) : towlower_l(wint_t(cp), Utf8Locale());
    AppendUtf8(uint32_t(mapped), scratch);
    i += len;
  }
  s->swap(*scratch);
}

constexpr int kMaxStackGroups = 16;

// Runs one rule on `w`. Returns false when the set is dropped.
bool Apply(const Config& cfg, Work* w, std::string* val, std::string* scratch) {
  val->clear();
  for (size_t i = 0; i < cfg.source_labels.size(); ++i) {
    if (i > 0) val->append(cfg.separator);
    val->append(Get(*w, cfg.source_labels[i]));
  }
  const re2::RE2& re = cfg.regex.re();
  switch (cfg.action) {
    case Action::kDrop:
      if (re2::RE2::FullMatch(*val, re)) return false;
      break;
    case Action::kKeep:
      if (!re2::RE2::FullMatch(*val, re)) return false;
      break;
    case Action::kDropEqual:
      if (Get(*w, cfg.target_label) == *val) return false;
      break;
    case Action::kKeepEqual:
      if (Get(*w, cfg.target_label) != *val) return false;
      break;
    case Action::kReplace: {
      if (val->empty() && cfg.regex.IsDefault() &&
          cfg.target_label.find('$') == std::string::npos &&
          cfg.replacement.find('$') == std::string::npos) {
        Set(w, cfg.target_label, cfg.replacement);
        break;
      }
      int ngroups = re.NumberOfCapturingGroups() + 1;
      std::array<re2::StringPiece, kMaxStackGroups> stack_pieces;
      std::vector<re2::StringPiece> heap_pieces;
      re2::StringPiece* pieces = stack_pieces.data();
      if (ngroups > kMaxStackGroups) {
        heap_pieces.resize(ngroups);
        pieces = heap_pieces.data();
      }
      if (!re.Match(*val, 0, val->size(), re2::RE2::ANCHOR_BOTH, pieces, ngroups)) break;
      std::array<std::string_view, kMaxStackGroups> stack_views;
      std::vector<std::string_view> heap_views;
      std::string_view* views = stack_views.data();
      if (ngroups > kMaxStackGroups) {
        heap_views.resize(ngroups);
        views = heap_views.data();
      }
      for (int i = 0; i < ngroups; ++i) {
        views[i] = pieces[i].data() == nullptr
                       ? std::string_view()
                       : std::string_view(pieces[i].data(), pieces[i].size());
      }
      scratch->clear();
      ExpandTemplate(re, cfg.target_label, views, ngroups, scratch);
      if (!IsValidLabelName(*scratch, cfg.validation)) break;
      std::string target = *scratch;
      scratch->clear();
      ExpandTemplate(re, cfg.replacement, views, ngroups, scratch);
      if (scratch->empty()) {
        Del(w, target);
      } else {
        Set(w, target, *scratch);
      }
      break;
    }
    case Action::kLowercase:
    case Action::kUppercase:
      ChangeCase(val, cfg.action == Action::kUppercase, scratch);
      Set(w, cfg.target_label, *val);
      break;
    case Action::kHashMod: {
      std::array<uint8_t, 16> sum = Md5(*val);
      uint64_t h = 0;
      for (int i = 8; i < 16; ++i) h = (h << 8) | sum[i];
      Set(w, cfg.target_label, std::to_string(h % cfg.modulus));
      break;
    }
    case Action::kLabelMap: {
      // Iterate a snapshot: new labels set here are not revisited.
      Work snapshot = *w;
      re2::StringPiece pieces[kMaxStackGroups];
      int ngroups = std::min(re.NumberOfCapturingGroups() + 1, kMaxStackGroups);
      std::string_view views[kMaxStackGroups];
      for (const auto& l : snapshot) {
        if (!re.Match(l.name, 0, l.name.size(), re2::RE2::ANCHOR_BOTH, pieces, ngroups)) continue;
        for (int i = 0; i < ngroups; ++i) {
          views[i] = pieces[i].data() == nullptr
                         ? std::string_view()
                         : std::string_view(pieces[i].data(), pieces[i].size());
        }
        scratch->clear();
        ExpandTemplate(re, cfg.replacement, views, ngroups, scratch);
        Set(w, *scratch, l.value);
      }
      break;
    }
    case Action::kLabelDrop:
      for (size_t i = 0; i < w->size();) {
        if (re2::RE2::FullMatch((*w)[i].name, re)) {
          (*w)[i] = std::move(w->back());
          w->pop_back();
        } else {
          ++i;
        }
      }
      break;
    case Action::kLabelKeep:
      for (size_t i = 0; i < w->size();) {
        if (!re2::RE2::FullMatch((*w)[i].name, re)) {
          (*w)[i] = std::move(w->back());
          w->pop_back();
        } else {
          ++i;
        }
      }
      break;
  }
  return true;
}

}  // namespace

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kReplace:
      return "replace";
    case Action::kKeep:
      return "keep";
    case Action::kDrop:
      return "drop";
    case Action::kKeepEqual:
      return "keepequal";
    case Action::kDropEqual:
      return "dropequal";
    case Action::kHashMod:
      return "hashmod";
    case Action::kLabelMap:
      return "labelmap";
    case Action::kLabelDrop:
      return "labeldrop";
    case Action::kLabelKeep:
      return "labelkeep";
    case Action::kLowercase:
      return "lowercase";
    case Action::kUppercase:
      return "uppercase";
  }
  return "unknown";
}

Result<Action> ParseAction(std::string_view s) {
  if (s.empty()) return Status::InvalidArgument("relabel action cannot be empty");
  std::string lower(s);
  for (char& c : lower) c = AsciiLower(c);
  static constexpr Action kAll[] = {Action::kReplace,   Action::kKeep,      Action::kDrop,
                                    Action::kKeepEqual, Action::kDropEqual, Action::kHashMod,
                                    Action::kLabelMap,  Action::kLabelDrop, Action::kLabelKeep,
                                    Action::kLowercase, Action::kUppercase};
  for (Action a : kAll) {
    if (ActionName(a) == lower) return a;
  }
  return Status::InvalidArgument("unknown relabel action " + Quote(s));
}

bool IsValidLabelName(std::string_view name, NameValidation v) {
  if (name.empty()) return false;
  if (v == NameValidation::kUtf8) return IsValidUtf8(name);
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

Regexp::Regexp() : source_(kDefaultRegex), re_(DefaultProgram()) {}

Result<Regexp> Regexp::Make(std::string_view source) {
  std::string err;
  auto re = Compile(source, &err);
  if (re == nullptr) {
    return Status::InvalidArgument("error parsing regexp " + Quote(source) + ": " + err);
  }
  Regexp r;
  r.source_ = std::string(source);
  r.re_ = std::move(re);
  return r;
}

bool Regexp::FullMatch(std::string_view s) const { return re2::RE2::FullMatch(s, *re_); }

bool Regexp::IsDefault() const { return re_ == DefaultProgram(); }

Status Config::SetRegex(std::string_view source) {
  WARD_ASSIGN_OR_RETURN(regex, Regexp::Make(source));
  return Status::OK();
}

Status Config::Validate() const {
  const std::string act(ActionName(action));
  auto invalid_target = [&] {
    return Status::InvalidArgument(Quote(target_label) + " is invalid 'target_label' for " + act +
                                   " action");
  };
  if (action == Action::kHashMod && modulus == 0) {
    return Status::InvalidArgument("relabel configuration for hashmod requires non-zero modulus");
  }
  const bool needs_target = action == Action::kReplace || action == Action::kHashMod ||
                            action == Action::kLowercase || action == Action::kUppercase ||
                            action == Action::kKeepEqual || action == Action::kDropEqual;
  if (needs_target && target_label.empty()) {
    return Status::InvalidArgument("relabel configuration for " + act +
                                   " action requires 'target_label' value");
  }
  const bool has_var = target_label.find('$') != std::string::npos;
  if (action == Action::kReplace && !has_var && !IsValidLabelName(target_label, validation)) {
    return invalid_target();
  }
  if (action == Action::kReplace && has_var && !IsValidNameWithVars(target_label, validation)) {
    return invalid_target();
  }
  const bool simple = action == Action::kLowercase || action == Action::kUppercase ||
                      action == Action::kKeepEqual || action == Action::kDropEqual;
  if (simple && !IsValidLabelName(target_label, validation)) return invalid_target();
  if (simple && replacement != "$1") {
    return Status::InvalidArgument("'replacement' can not be set for " + act + " action");
  }
  if (action == Action::kLabelMap && !IsValidNameWithVars(replacement, validation)) {
    return Status::InvalidArgument(Quote(replacement) + " is invalid 'replacement' for " + act +
                                   " action");
  }
  if (action == Action::kHashMod && !IsValidLabelName(target_label, validation)) {
    return invalid_target();
  }
  if (action == Action::kKeepEqual || action == Action::kDropEqual) {
    if (!regex.IsDefault() || modulus != 0 || separator != ";" || replacement != "$1") {
      return Status::InvalidArgument(act +
                                     " action requires only 'source_labels' and `target_label`, "
                                     "and no other fields");
    }
  }
  if (action == Action::kLabelDrop || action == Action::kLabelKeep) {
    if (source_labels_set || !source_labels.empty() || !target_label.empty() || modulus != 0 ||
        separator != ";" || replacement != "$1") {
      return Status::InvalidArgument(act + " action requires only 'regex', and no other fields");
    }
  }
  return Status::OK();
}

void ExpandTemplate(const re2::RE2& re, std::string_view tmpl, const std::string_view* groups,
                    int ngroups, std::string* dst) {
  while (!tmpl.empty()) {
    size_t pos = tmpl.find('$');
    if (pos == std::string_view::npos) break;
    dst->append(tmpl.substr(0, pos));
    tmpl.remove_prefix(pos + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      dst->push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    std::string_view name;
    int num = -1;
    size_t consumed = 0;
    if (!ExtractRef(tmpl, &name, &num, &consumed)) {
      dst->push_back('$');  // malformed: the '$' is kept as text
      continue;
    }
    tmpl.remove_prefix(consumed);
    if (num >= 0) {
      if (num < ngroups && groups[num].data() != nullptr) dst->append(groups[num]);
    } else {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      if (it != named.end() && it->second < ngroups && groups[it->second].data() != nullptr) {
        dst->append(groups[it->second]);
      }
    }
  }
  dst->append(tmpl);
}

namespace {

bool IsFilter(Action a) {
  return a == Action::kKeep || a == Action::kDrop || a == Action::kKeepEqual ||
         a == Action::kDropEqual;
}

// Runs a keep/drop/keepequal/dropequal rule on `ls` without copying it.
bool Filter(const Config& cfg, const labels::Labels& ls, std::string* val) {
  val->clear();
  for (size_t i = 0; i < cfg.source_labels.size(); ++i) {
    if (i > 0) val->append(cfg.separator);
    val->append(ls.Get(cfg.source_labels[i]));
  }
  switch (cfg.action) {
    case Action::kDrop:
      return !re2::RE2::FullMatch(*val, cfg.regex.re());
    case Action::kKeep:
      return re2::RE2::FullMatch(*val, cfg.regex.re());
    case Action::kDropEqual:
      return ls.Get(cfg.target_label) != *val;
    case Action::kKeepEqual:
      return ls.Get(cfg.target_label) == *val;
    default:
      return true;
  }
}

}  // namespace

bool Process(const labels::Labels& in, const std::vector<Config>& cfgs, labels::Labels* out) {
  // Per-thread buffers keep the steady state free of allocations.
  thread_local std::string val, scratch;
  // Leading filter rules (the usual metric_relabel_configs: drop by name)
  // run on the input itself; the label set is copied only once a rule
  // needs to change it.
  size_t i = 0;
  for (; i < cfgs.size() && IsFilter(cfgs[i].action); ++i) {
    if (!Filter(cfgs[i], in, &val)) {
      *out = labels::Labels();
      return false;
    }
  }
  if (i == cfgs.size()) {
    if (out != &in) *out = in;
    return true;
  }
  Work w(in.items());
  for (; i < cfgs.size(); ++i) {
    if (!Apply(cfgs[i], &w, &val, &scratch)) {
      *out = labels::Labels();
      return false;
    }
  }
  *out = labels::Labels(std::move(w));
  return true;
}

}  // namespace ward::relabel
