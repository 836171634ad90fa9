// Build version of ward (bumped by hand at releases).
#pragma once

namespace ward {
inline constexpr const char* kVersion = "0.1.0";
inline constexpr const char* kPrometheusCompatVersion = "3.0.0";
}  // namespace ward
