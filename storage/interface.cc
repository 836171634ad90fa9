#include "storage/interface.h"

#include <cstring>

namespace ward::storage {

double StaleNaN() {
  double v;
  uint64_t bits = kStaleNaNBits;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

bool IsStaleNaN(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits == kStaleNaNBits;
}

namespace {
class EmptySet final : public SeriesSet {
 public:
  explicit EmptySet(Status err) : err_(std::move(err)) {}
  bool Next() override { return false; }
  const Series& At() const override { std::abort(); }
  Status Err() const override { return err_; }

 private:
  Status err_;
};
}  // namespace

std::unique_ptr<SeriesSet> EmptySeriesSet(Status err) {
  return std::make_unique<EmptySet>(std::move(err));
}

}  // namespace ward::storage
