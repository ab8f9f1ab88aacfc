// The two declarations of compiler-rt's lib/fuzzer/FuzzerDefs.h that Jazzer.js's addon uses (stock libFuzzer API).
#pragma once
#include <cstddef>
#include <cstdint>
namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer
