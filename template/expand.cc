#include "template/expand.h"

#include <memory>
#include <optional>
#include <unordered_map>

namespace ward::tmpl {
namespace {

// Rules expand the same label/annotation texts at every evaluation, so each
// thread keeps the parse results of recent texts (parsing is a pure function
// of name and text, so a cached result is exactly what a fresh parse gives).
// Bounded: the cache is dropped when it grows past kMaxCached entries.
constexpr size_t kMaxCached = 1024;

struct CachedParse {
  std::optional<Template> tmpl;
  Status status;
};

std::shared_ptr<const CachedParse> ParseAlertTemplate(std::string_view name,
                                                      std::string_view text) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const CachedParse>> cache;
  std::string key;
  key.reserve(name.size() + 1 + text.size());
  key.append(name);
  key.push_back('\0');
  key.append(text);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() >= kMaxCached) cache.clear();
  std::string full;
  full.reserve(kAlertTemplateDefs.size() + text.size());
  full.append(kAlertTemplateDefs);
  full.append(text);
  auto entry = std::make_shared<CachedParse>();
  auto t = Template::Parse(name, full);
  if (t.ok()) {
    entry->tmpl = std::move(t).value();
  } else {
    entry->status = t.status();
  }
  cache.emplace(std::move(key), entry);
  return entry;
}

}  // namespace

Value AlertTemplateData(const labels::Labels* labels, const labels::Labels* external_labels,
                        std::string_view external_url, double value) {
  static const labels::Labels kEmpty;
  auto s = std::make_shared<StructData>();
  s->type_name =
      "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
      "Value interface {} }";  // a literal: lives forever
  s->fields.reserve(4);
  s->fields.emplace_back("Labels", Value::LabelMap(labels != nullptr ? *labels : kEmpty));
  s->fields.emplace_back("ExternalLabels",
                         Value::LabelMap(external_labels != nullptr ? *external_labels : kEmpty));
  s->fields.emplace_back("ExternalURL", Value::String(std::string(external_url)));
  s->fields.emplace_back("Value", Value::Float(value));
  return Value::Struct(std::move(s));
}

std::string ExpandAlertText(std::string_view template_name, std::string_view text,
                            const AlertData& d, const QueryFunc& query) {
  // The definitions print nothing, so a text without actions expands to itself.
  if (text.find("{{") == std::string_view::npos) return std::string(text);
  // Held by shared_ptr: the cache may drop the entry while we execute it.
  std::shared_ptr<const CachedParse> parsed = ParseAlertTemplate(template_name, text);
  if (!parsed->tmpl.has_value()) {
    return "<error expanding template: error parsing template " + std::string(template_name) +
           ": " + std::string(parsed->status.message()) + ">";
  }
  Value data = AlertTemplateData(d.labels, d.external_labels, d.external_url, d.value);
  FuncEnv env;
  env.query = &query;
  env.ts_ms = d.ts_ms;
  env.external_url = d.external_url;
  std::string out;
  Status st = parsed->tmpl->Execute(data, env, &out);
  if (!st.ok()) {
    return "<error expanding template: error executing template " + std::string(template_name) +
           ": " + std::string(st.message()) + ">";
  }
  return out;
}

Status CheckSyntax(std::string_view name, std::string_view text) {
  std::string full;
  full.reserve(kAlertTemplateDefs.size() + text.size());
  full.append(kAlertTemplateDefs);
  full.append(text);
  auto t = Template::Parse(name, full);
  return t.ok() ? Status::OK() : t.status();
}

}  // namespace ward::tmpl
