// Jazzer.js's libFuzzer fork fills in libfuzzer::PrintCrashingInput; stock libFuzzer (Debian's) has no such hook.
// The fuzz targets write the crashing input themselves (targets/common.js), so this stays a no-op.
namespace libfuzzer {
extern void (*PrintCrashingInput)();
}
static void targetsWriteTheirOwnFindings() {}
__attribute__((constructor)) static void installPrintCrashingInput() { libfuzzer::PrintCrashingInput = targetsWriteTheirOwnFindings; }
