// model/clock.h — the wall clock every station reads: epoch milliseconds (creation times, stream records, TTL).
#pragma once

#include <chrono>
#include <cstdint>

namespace ddb {

inline int64_t now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace ddb
