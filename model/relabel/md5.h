// MD5 digest (RFC 1321), used only by the hashmod relabel action, which
// Prometheus defines on MD5 of the joined source values. Not for security.
// Pure function; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ward::relabel {

std::array<uint8_t, 16> Md5(std::string_view data);

}  // namespace ward::relabel
