// Jazzer.js's libFuzzer fork has "_with_pc" variants of two tracing hooks (the JS side passes a fake PC per
// instrumented site). Stock libFuzzer takes the PC from the caller's return address, so each fake PC is sent
// through one of 4096 distinct call sites. Compiled with -O0: no tail calls, no identical-code folding.
#include <cstddef>
#include <cstdint>
#include <array>
#include <utility>

extern "C" void __sanitizer_cov_trace_const_cmp8(uint64_t a, uint64_t b);
extern "C" void __sanitizer_cov_trace_pc_indir(uintptr_t callee);

namespace {
constexpr size_t kSites = 4096;
using CmpFn = void (*)(uint64_t, uint64_t);
using IndirFn = void (*)(uintptr_t);

template <size_t N> void cmpSite(uint64_t a, uint64_t b) {
  __sanitizer_cov_trace_const_cmp8(a, b);
  asm volatile("" ::"i"(N) : "memory");
}
template <size_t N> void indirSite(uintptr_t callee) {
  __sanitizer_cov_trace_pc_indir(callee);
  asm volatile("" ::"i"(N) : "memory");
}
template <size_t... I> constexpr auto cmpTable(std::index_sequence<I...>) { return std::array<CmpFn, sizeof...(I)>{&cmpSite<I>...}; }
template <size_t... I> constexpr auto indirTable(std::index_sequence<I...>) { return std::array<IndirFn, sizeof...(I)>{&indirSite<I>...}; }
} // namespace
#include <array>
static const auto kCmp = cmpTable(std::make_index_sequence<kSites>{});
static const auto kIndir = indirTable(std::make_index_sequence<kSites>{});

extern "C" void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t pc, uint64_t a, uint64_t b) { kCmp[pc % kSites](a, b); }
extern "C" void __sanitizer_cov_trace_pc_indir_with_pc(void *pc, uintptr_t callee) { kIndir[reinterpret_cast<uintptr_t>(pc) % kSites](callee); }
