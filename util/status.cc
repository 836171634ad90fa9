#include "util/status.h"

namespace ward {

std::string_view ErrorTypeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "";
    case StatusCode::kInvalidArgument: return "bad_data";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kTimeout: return "timeout";
    case StatusCode::kCanceled: return "canceled";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kExecution: return "execution";
    case StatusCode::kRejected: return "bad_data";
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace ward
