// install / uninstall --engine E: plans the change of each engine file with
// the pure hook/install/* modules, then prints it (--dry-run) or applies it
// (atomic writes, mode and owner kept), verifies, and says what to restart.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ostream>

#include "../../oci/json_io.hpp"
#include "../error.hpp"
#include "../install/bundle_hooks.hpp"
#include "../install/containerd_config.hpp"
#include "../install/docker_config.hpp"
#include "../install/hooks_d.hpp"
#include "command.hpp"

namespace agenthook {

using install::Engine;
using install::FileChange;

namespace {

constexpr unsigned kNewFileMode = 0644;

// The file's text, or nullopt when it does not exist.
std::optional<std::string> read_if_exists(const std::string& path) {
    try {
        return oci::read_file_bounded(path);
    } catch (const HookError& e) {
        if (e.err == ENOENT) return std::nullopt;
        throw;
    }
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void require_executable(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw sys_error("verify binary", path, errno);
    if (!S_ISREG(st.st_mode)) throw HookError("verify binary", path, "not a regular file");
    if (::access(path.c_str(), X_OK) != 0) throw sys_error("verify binary", path, errno);
}

std::string default_dir(Engine e) {
    switch (e) {
        case Engine::Docker: return "/etc/docker";
        case Engine::Containerd: return "/etc/containerd";
        default: return "/etc/containers/oci/hooks.d";
    }
}

// What to do after a change, per engine.
std::string restart_advice(Engine e, bool installing) {
    switch (e) {
        case Engine::Containerd: return "restart containerd to load the change: systemctl restart containerd";
        case Engine::Docker:
            // dockerd rereads runtimes and default-runtime on SIGHUP, but a
            // default-runtime key removed from daemon.json is not reset then.
            return installing ? "reload dockerd to load it (SIGHUP): systemctl reload docker"
                              : "restart dockerd to drop it: systemctl restart docker";
        case Engine::Podman: return "nothing to restart: podman reads hooks.d on every command";
        case Engine::Crio: return "nothing to restart: CRI-O watches the hooks directories it reads";
        case Engine::Runc:
        case Engine::Crun: return "nothing to restart: the bundle's next container runs the hook";
    }
    return "";
}

std::vector<FileChange> plan(const Context& ctx, Engine engine, const install::Target& t, bool installing) {
    const Options& o = ctx.options;
    std::vector<FileChange> changes;
    const std::string dir = o.config_dir.value_or(default_dir(engine));
    switch (engine) {
        case Engine::Runc:
        case Engine::Crun: {
            const std::string path = o.bundle + "/config.json";
            auto entries = self_hook_entries(t.hook_path, t.policy_path, std::nullopt);
            std::string text = oci::read_file_bounded(path);
            changes.push_back(installing ? install::bundle_install(text, path, entries)
                                         : install::bundle_uninstall(text, path, entries));
            break;
        }
        case Engine::Podman:
        case Engine::Crio:
            for (const auto& f : install::hooks_d_files(t)) {
                const std::string path = dir + "/" + f.name;
                auto existing = read_if_exists(path);
                changes.push_back(installing ? install::hooks_d_install(existing, path, f.content)
                                             : install::hooks_d_uninstall(existing, path, f.content));
            }
            break;
        case Engine::Docker: {
            const std::string path = dir + "/daemon.json";
            auto existing = read_if_exists(path);
            changes.push_back(installing ? install::docker_install(existing, path, t)
                                         : install::docker_uninstall(existing, path, t));
            break;
        }
        case Engine::Containerd: {
            const std::string main = dir + "/config.toml";
            auto existing = read_if_exists(main);
            std::optional<std::string> dropin = existing ? install::containerd_dropin(*existing, main) : std::nullopt;
            // A drop-in goes only into a directory that exists (the glob matches nothing otherwise).
            if (dropin && !is_dir(dropin->substr(0, dropin->rfind('/')))) dropin.reset();
            if (installing) {
                const std::string path = dropin.value_or(main);
                changes.push_back(install::containerd_install(dropin ? read_if_exists(path) : existing, path, t));
            } else {
                if (dropin) changes.push_back(install::containerd_uninstall(read_if_exists(*dropin), *dropin, t));
                changes.push_back(install::containerd_uninstall(existing, main, t));
            }
            break;
        }
    }
    return changes;
}

// Only a file created by install is removed by uninstall; for the drop-in
// and hooks.d files that is checked byte for byte by the pure modules.
void apply(const FileChange& c) {
    switch (c.action) {
        case FileChange::Action::Create:
        case FileChange::Action::Update: oci::write_or_create_file_atomic(c.path, c.content, kNewFileMode); break;
        case FileChange::Action::Remove:
            if (::unlink(c.path.c_str()) != 0) throw sys_error("remove", c.path, errno);
            break;
        case FileChange::Action::None: break;
    }
}

void print(std::ostream& out, const FileChange& c, bool dry_run) {
    const char* verb = "";
    switch (c.action) {
        case FileChange::Action::Create: verb = dry_run ? "would create" : "created"; break;
        case FileChange::Action::Update: verb = dry_run ? "would update" : "updated"; break;
        case FileChange::Action::Remove: verb = dry_run ? "would remove" : "removed"; break;
        case FileChange::Action::None: return;
    }
    out << verb << " " << c.path << (c.action == FileChange::Action::Remove ? "" : ":") << "\n";
    if (c.action == FileChange::Action::Create && dry_run) {
        out << c.content;  // a new file: all of it
    } else {
        for (const auto& line : c.diff) out << "  " << line << "\n";
    }
}

// The engine config as written still parses (the planner parsed the old one).
void verify_written(Engine engine, const FileChange& c) {
    if (c.action != FileChange::Action::Create && c.action != FileChange::Action::Update) return;
    std::string text = oci::read_file_bounded(c.path);
    if (engine == Engine::Containerd) install::containerd_dropin(text, c.path);  // parses, checks the version
    else oci::parse_object(text, c.path);
}

}  // namespace

int run_install(const Context& ctx) {
    const Options& o = ctx.options;
    const bool installing = o.command == Command::Install;
    const Engine engine = *install::parse_engine(o.engine);  // validated by the CLI

    install::Target t;
    t.runtime_name = o.runtime_name;
    t.set_as_default = o.set_as_default;
    t.hook_path = o.hook_path.value_or(ctx.env.self_path);
    t.wrapper_path = install::wrapper_beside(t.hook_path);
    PolicySource source = choose_policy_source(o.config_path, ctx.env.policy_path);
    if (source.explicit_) t.policy_path = source.path;

    if (installing) {
        require_executable(t.hook_path);
        require_executable(t.wrapper_path);
        load_effective_policy(ctx);  // throws, naming the file, when it does not parse
    }

    std::vector<FileChange> changes = plan(ctx, engine, t, installing);
    bool any = false;
    for (const auto& c : changes) {
        if (c.action == FileChange::Action::None) continue;
        any = true;
        if (!o.dry_run) apply(c);
        print(ctx.out, c, o.dry_run);
    }
    if (!any) {
        ctx.out << (installing ? "already installed" : "not installed") << ": nothing to change\n";
    } else if (!o.dry_run) {
        for (const auto& c : changes) verify_written(engine, c);
        ctx.out << restart_advice(engine, installing) << "\n";
    }
    // Every install run says it, also a repeated one: the files are useless
    // to CRI-O until crio.conf names their directory.
    if (installing && engine == Engine::Crio) {
        if (auto note = install::crio_hooks_dir_note(o.config_dir.value_or(default_dir(engine)))) ctx.out << *note << "\n";
    }
    return 0;
}

}  // namespace agenthook
