#pragma once
// What every command receives: parsed options, the environment values the
// hook reads (captured once in main, before hook mode clears the
// environment), and the streams to write. Input comes from the descriptor
// STDIN_FILENO, read with a deadline (an istream cannot wait with one).
// Commands return the exit code and throw HookError for failures.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "../../oci/json.hpp"
#include "../../oci/state.hpp"
#include "../cli.hpp"
#include "../df_report.hpp"
#include "../doctor_verdicts.hpp"
#include "../log.hpp"
#include "../plan.hpp"
#include "../policy.hpp"
#include "../registration.hpp"

namespace agenthook {

struct Environment {
    std::optional<std::string> policy_path;  // OCI_AGENT_HOOK_CONFIG
    std::optional<std::string> tmp_size;     // AGENT_TMP_SIZE
    std::optional<std::string> runtime;      // OCI_AGENT_RUNTIME (the wrapper's real runtime)
    std::string self_path;                   // this binary, absolute (/proc/self/exe)
};

struct Context {
    Options options;
    Environment env;
    std::ostream& out;
    std::ostream& err;
    Log& log;  // not const: the policy configures it (load_effective_policy)
};

int run_precreate(const Context& ctx);
int run_rewrite(const Context& ctx);
int run_check_config(const Context& ctx);
int run_hook(const Context& ctx);  // createRuntime and prestart
int run_poststop(const Context& ctx);  // removes the container's record; always exits 0
int run_ps(const Context& ctx);
int run_install(const Context& ctx);  // install and uninstall
int run_sweep(const Context& ctx);
// oci-agent-runtime: `args` is the runc command line, args[0] included.
int run_runtime_wrapper(const Context& ctx, const std::vector<std::string>& args);

// The OCI state a runtime writes to a hook's stdin (named kStateName in
// errors), read from the descriptor with a deadline: a runtime writes it
// at once and closes the pipe, one held open is a broken caller.
inline constexpr const char* kStateName = "state (stdin)";
oci::State read_hook_state(bool pid_required);

int run_doctor(const Context& ctx);  // doctor --pid PID
int run_df(const Context& ctx);      // df --pid PID [--name LABEL] ...

// The cores of doctor and df for one container, named `label` in reports
// and reached by `pid` (so a caller with per-container records passes the
// record's id and pid).
struct DoctorReport {
    Observations observations;
    std::vector<ProbeResult> results;
};
// `applied_tmp_size`: the /tmp size in the container's record, when there is one.
DoctorReport doctor_container(const std::string& label, int pid, const Policy& policy,
                              std::optional<uint64_t> applied_tmp_size = std::nullopt);
DfRow df_container(const std::string& label, int pid, const Policy& policy);

// Shared steps of the commands that rewrite a config.json.
Policy load_effective_policy(const Context& ctx);

struct Rewrite {
    oci::Json config;  // rewritten
    Plan plan;
    bool changed = false;
};

// Whether a rewrite also registers this binary at createRuntime and adds the
// seccomp mount lockdown (policy seccomp.deny_mount): every spec writer
// does; hook mode, already running, does not.
enum class Registration { None, Self };

// Validates `config` (named `name` in errors), plans, logs the plan's
// warnings and returns the rewritten document.
Rewrite plan_rewrite(const Context& ctx, oci::Json config, const std::string& name, const Policy& policy,
                     Registration registration);

// The createRuntime and poststop entries spec writers add (see registration.hpp).
std::vector<HookEntry> self_hooks(const Context& ctx);

// The records' directory for the commands that read them: --state-dir,
// else the policy's state_dir.
std::string state_dir_for(const Context& ctx);

// When precreate cannot plan a spec it hands it on (podman would show its
// user nothing but "exit status 1") with its error line in this
// annotation, and the createRuntime stage refuses the container with that
// line: some of precreate's steps (the seccomp lockdown) have no twin in
// hook mode that would fail again by itself.
inline constexpr const char* kRefusedAnnotation = "oci-agent-hook/refused";

// Throws HookError with precreate's error line when `config` carries it.
void refuse_if_precreate_refused(const oci::Json& config, const std::string& name);

}  // namespace agenthook
