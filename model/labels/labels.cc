#include "model/labels/labels.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstdio>

namespace ward::labels {

namespace {
void SortLabels(std::vector<Label>* ls) {
  std::stable_sort(ls->begin(), ls->end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
}

constexpr char kSep = '\xff';
}  // namespace

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  ls_.reserve(pairs.size());
  for (const auto& [n, v] : pairs) ls_.push_back(Label{std::string(n), std::string(v)});
  SortLabels(&ls_);
}

Labels::Labels(std::vector<Label> ls) : ls_(std::move(ls)) {
  if (!std::is_sorted(ls_.begin(), ls_.end(),
                      [](const Label& a, const Label& b) { return a.name < b.name; })) {
    SortLabels(&ls_);
  }
}

std::string_view Labels::Get(std::string_view name) const {
  for (const Label& l : ls_) {
    if (l.name == name) return l.value;
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  for (const Label& l : ls_) {
    if (l.name == name) return true;
  }
  return false;
}

uint64_t Labels::Hash() const {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  for (const Label& l : ls_) {
    XXH3_64bits_update(&st, l.name.data(), l.name.size());
    XXH3_64bits_update(&st, &kSep, 1);
    XXH3_64bits_update(&st, l.value.data(), l.value.size());
    XXH3_64bits_update(&st, &kSep, 1);
  }
  return XXH3_64bits_digest(&st);
}

uint64_t Labels::HashForLabels(const std::vector<std::string>& names) const {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  for (const Label& l : ls_) {
    if (std::find(names.begin(), names.end(), l.name) == names.end()) continue;
    XXH3_64bits_update(&st, l.name.data(), l.name.size());
    XXH3_64bits_update(&st, &kSep, 1);
    XXH3_64bits_update(&st, l.value.data(), l.value.size());
    XXH3_64bits_update(&st, &kSep, 1);
  }
  return XXH3_64bits_digest(&st);
}

uint64_t Labels::HashWithoutLabels(const std::vector<std::string>& names) const {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  for (const Label& l : ls_) {
    if (l.name == kMetricName) continue;
    if (std::find(names.begin(), names.end(), l.name) != names.end()) continue;
    XXH3_64bits_update(&st, l.name.data(), l.name.size());
    XXH3_64bits_update(&st, &kSep, 1);
    XXH3_64bits_update(&st, l.value.data(), l.value.size());
    XXH3_64bits_update(&st, &kSep, 1);
  }
  return XXH3_64bits_digest(&st);
}

bool Labels::HasDuplicateNames() const {
  for (size_t i = 1; i < ls_.size(); i++) {
    if (ls_[i].name == ls_[i - 1].name) return true;
  }
  return false;
}

size_t Labels::ByteSize() const {
  size_t n = 0;
  for (const Label& l : ls_) n += l.name.size() + l.value.size();
  return n;
}

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      case '\r': out->append("\\r"); break;
      case '\a': out->append("\\a"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\v': out->append("\\v"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string Labels::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < ls_.size(); i++) {
    if (i > 0) out.append(", ");
    out.append(ls_[i].name);
    out.push_back('=');
    AppendQuoted(&out, ls_[i].value);
  }
  out.push_back('}');
  return out;
}

int Labels::Compare(const Labels& a, const Labels& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; i++) {
    if (int c = a.ls_[i].name.compare(b.ls_[i].name); c != 0) return c < 0 ? -1 : 1;
    if (int c = a.ls_[i].value.compare(b.ls_[i].value); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

void Builder::Reset(const Labels& base) { ls_ = base.items(); }

Builder& Builder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  for (Label& l : ls_) {
    if (l.name == name) {
      l.value.assign(value);
      return *this;
    }
  }
  ls_.push_back(Label{std::string(name), std::string(value)});
  return *this;
}

Builder& Builder::Del(std::string_view name) {
  ls_.erase(std::remove_if(ls_.begin(), ls_.end(), [&](const Label& l) { return l.name == name; }),
            ls_.end());
  return *this;
}

Builder& Builder::Keep(const std::vector<std::string>& names) {
  ls_.erase(std::remove_if(ls_.begin(), ls_.end(),
                           [&](const Label& l) {
                             return std::find(names.begin(), names.end(), l.name) == names.end();
                           }),
            ls_.end());
  return *this;
}

std::string_view Builder::Get(std::string_view name) const {
  for (const Label& l : ls_) {
    if (l.name == name) return l.value;
  }
  return {};
}

Labels Builder::Build() const {
  std::vector<Label> out;
  out.reserve(ls_.size());
  for (const Label& l : ls_) {
    if (!l.value.empty()) out.push_back(l);
  }
  return Labels(std::move(out));
}

}  // namespace ward::labels
