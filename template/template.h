// Template: a parsed Go text/template plus its function table, executed over
// template Values exactly as Go's text/template executes over Go values
// (missingkey=zero, as Prometheus configures it). Rules use it through
// ExpandAlertText (template/expand.h); the web UI may parse once and
// Execute many times. A Template is immutable after Parse and may be
// executed from many threads at once; FuncMaps must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "template/value.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tmpl {

struct ParsedSet;

// One element of a query result as templates see it.
struct QuerySample {
  labels::Labels labels;
  double value;
};
// Runs a PromQL instant query at the evaluation time; the error text is
// shown in the template error ("error calling query: <text>").
using QueryFunc = std::function<Result<std::vector<QuerySample>>(std::string_view query)>;

// Per-execution inputs the Prometheus functions read (query, now,
// externalURL, pathPrefix). Pointers are borrowed for one Execute call.
struct FuncEnv {
  const QueryFunc* query = nullptr;  // nullptr: query fails
  int64_t ts_ms = 0;                 // evaluation time (query time, now)
  std::string_view external_url;     // --web.external-url
};

// A parameter's Go type; decides literal conversion and type errors.
enum class ParamType : uint8_t {
  kAny,          // interface {}
  kString,       // string
  kFloat,        // float64
  kInt,          // int
  kBool,         // bool
  kQueryResult,  // template.queryResult
  kSample,       // *template.sample
  kReflect,      // reflect.Value (builtins that see the raw value: eq, len, index, ...)
};
std::string_view ParamTypeName(ParamType t);

// A template function. With variadic, the last param type repeats.
// fn returns the result, or an error whose message follows
// "error calling NAME: ".
struct Func {
  std::vector<ParamType> params;
  bool variadic = false;
  std::function<Result<Value>(const FuncEnv& env, std::span<const Value> args)> fn;
};
using FuncMap = std::map<std::string, Func, std::less<>>;

// Prometheus's template functions (query, humanize, match, ...), built once.
const FuncMap& PrometheusFuncs();

// Bounds that keep hostile templates from exhausting the stack.
inline constexpr int kMaxExecDepth = 1000;  // nested {{template}} calls

class Template {
 public:
  // Parses text as template `name`. Functions must exist at parse time
  // (Go's `function "x" not defined`); funcs defaults to PrometheusFuncs()
  // and must outlive the Template. Errors: InvalidArgument with Go's text,
  // e.g. `template: NAME:1: unexpected "}" in operand`.
  static Result<Template> Parse(std::string_view name, std::string_view text,
                                const FuncMap* funcs = nullptr);

  // Executes the template `name()` with dot = data, appending to *out.
  // Errors: Execution with Go's text, e.g. `template: NAME:1:3: executing
  // "NAME" at <humanize "x">: error calling humanize: ...`. On error *out
  // holds partial output.
  Status Execute(const Value& data, const FuncEnv& env, std::string* out) const;
  // Executes the associated template `tmpl_name` (a {{define}}).
  Status ExecuteTemplate(std::string_view tmpl_name, const Value& data, const FuncEnv& env,
                         std::string* out) const;

  const std::string& name() const { return name_; }

 private:
  Template() = default;
  std::string name_;
  std::shared_ptr<const ParsedSet> set_;
  const FuncMap* funcs_ = nullptr;
};

}  // namespace ward::tmpl
