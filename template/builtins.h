// Go text/template's predefined functions (and, or, not, len, index, slice,
// print, printf, println, html, js, urlquery, eq, ne, lt, le, gt, ge, call).
// and/or short-circuit and call are finished by the executor (exec.cc).
// Thread-safe (the table is built once and never changes).
#pragma once

#include <string>
#include <string_view>

#include "template/template.h"

namespace ward::tmpl {

const FuncMap& BuiltinFuncs();

// html/template-free escapers with Go's output.
std::string HTMLEscapeString(std::string_view s);
std::string JSEscapeString(std::string_view s);

}  // namespace ward::tmpl
