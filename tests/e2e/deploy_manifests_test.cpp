// The Kubernetes manifests (deploy/k8s/) stay in step with the binary and the image: every
// OC5_* name they use is one the binary prints in its help (CLI11's "(Env:NAME)"), the probe
// paths answer on a running service, the container port and the user are the Dockerfile's, the
// spool volume is mounted where the ConfigMap points OC5_SPOOL_DIR, and every kind the
// deployment needs is there. Plain string scanning of the YAML text: no YAML library.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::deploy_manifests_test {
namespace {

namespace fs = std::filesystem;

struct Manifest {
    std::string name;  // file name under deploy/k8s/
    std::string text;
};

std::vector<Manifest> ReadManifests() {
    std::vector<Manifest> manifests;
    const fs::path dir = fs::path(SourceDir()) / "deploy" / "k8s";
    if (!fs::is_directory(dir)) return manifests;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        manifests.push_back({entry.path().filename().string(), ReadFile(entry.path().string())});
    }
    std::sort(manifests.begin(), manifests.end(),
              [](const Manifest& a, const Manifest& b) { return a.name < b.name; });
    return manifests;
}

bool IsNameChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// Every OC5_NAME in the text: "OC5_" and at least one of A-Z, 0-9, _, not inside a longer word.
std::set<std::string> EnvNames(const std::string& text) {
    std::set<std::string> names;
    const std::string_view prefix = "OC5_";
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
        if (at > 0) {
            const char before = text[at - 1];
            if (IsNameChar(before) || (before >= 'a' && before <= 'z')) continue;
        }
        auto end = at + prefix.size();
        while (end < text.size() && IsNameChar(text[end])) ++end;
        if (end == at + prefix.size()) continue;  // "OC5_*" in prose
        names.insert(text.substr(at, end - at));
    }
    return names;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find('\n', start);
        if (end == std::string::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// The values of `key: value` lines (a leading "- " allowed; a trailing " # comment" and quotes
// removed). top_level: only lines without indentation (a document's own `kind:`, not a
// reference's such as scaleTargetRef's).
std::vector<std::string> ValuesOf(const std::string& text,
                                  std::string_view key,
                                  bool top_level = false) {
    std::vector<std::string> values;
    for (const auto& line : Lines(text)) {
        if (top_level && !line.empty() && (line.front() == ' ' || line.front() == '\t')) continue;
        std::string_view rest = Trim(line);
        if (rest.substr(0, 2) == "- ") rest = Trim(rest.substr(2));
        if (rest.size() <= key.size() || rest.substr(0, key.size()) != key ||
            rest[key.size()] != ':') {
            continue;
        }
        rest = rest.substr(key.size() + 1);
        if (const auto comment = rest.find(" #"); comment != std::string_view::npos) {
            rest = rest.substr(0, comment);
        }
        rest = Trim(rest);
        if (rest.size() >= 2 && (rest.front() == '"' || rest.front() == '\'') &&
            rest.back() == rest.front()) {
            rest = rest.substr(1, rest.size() - 2);
        }
        values.emplace_back(rest);
    }
    return values;
}

// The text of every manifest declaring a document of this kind, concatenated.
std::string ManifestsOfKind(const std::vector<Manifest>& manifests, std::string_view kind) {
    std::string text;
    for (const auto& manifest : manifests) {
        const auto kinds = ValuesOf(manifest.text, "kind", true);
        if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) text += manifest.text;
    }
    return text;
}

// The digits right after `marker` in text ("EXPOSE 7860" with marker "EXPOSE "), or "".
std::string NumberAfter(const std::string& text, std::string_view marker) {
    const auto at = text.find(marker);
    if (at == std::string::npos) return {};
    auto end = at + marker.size();
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    return text.substr(at + marker.size(), end - at - marker.size());
}

std::string Help(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {AttritionBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string output;
    const int code = RunCommand({.argv = argv}, &output);
    EXPECT_EQ(code, 0) << output;
    return output;
}

class DeployManifestsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        manifests_ = ReadManifests();
        ASSERT_FALSE(manifests_.empty()) << "no files under " << SourceDir() << "/deploy/k8s";
        statefulset_ = ManifestsOfKind(manifests_, "StatefulSet");
        configmap_ = ManifestsOfKind(manifests_, "ConfigMap");
        dockerfile_ = ReadFile(SourceDir() + "/Dockerfile");
        ASSERT_FALSE(dockerfile_.empty());
    }

    std::vector<Manifest> manifests_;
    std::string statefulset_;
    std::string configmap_;
    std::string dockerfile_;
};

TEST_F(DeployManifestsTest, EveryKindTheDeploymentNeedsIsPresent) {
    std::set<std::string> kinds;
    for (const auto& manifest : manifests_) {
        for (auto& kind : ValuesOf(manifest.text, "kind", true)) kinds.insert(std::move(kind));
    }
    for (const char* kind : {"StatefulSet", "Service", "HorizontalPodAutoscaler",
                             "PodDisruptionBudget", "ConfigMap"}) {
        EXPECT_EQ(kinds.count(kind), 1U) << "no " << kind << " under deploy/k8s/";
    }
}

TEST_F(DeployManifestsTest, EveryOc5NameIsOneTheBinaryAccepts) {
    // serve's own options, and the program-wide ones serve takes too (--log-level).
    auto accepted = EnvNames(Help({"serve", "--help"}));
    ASSERT_EQ(accepted.count("OC5_SPOOL_DIR"), 1U)
        << "serve --help no longer prints its options' environment names";
    for (auto& name : EnvNames(Help({"--help"}))) accepted.insert(std::move(name));
    std::size_t used = 0;
    for (const auto& manifest : manifests_) {
        for (const auto& name : EnvNames(manifest.text)) {
            ++used;
            EXPECT_EQ(accepted.count(name), 1U)
                << manifest.name << " names " << name << ", which attrition serve does not read";
        }
    }
    EXPECT_GT(used, 0U);
    // Every key of the ConfigMap is such a name: a misspelt one would be ignored silently.
    ASSERT_FALSE(configmap_.empty());
    for (const auto& line : Lines(configmap_)) {
        const auto trimmed = Trim(line);
        if (trimmed.substr(0, 4) != "OC5_") continue;
        const auto name = std::string(trimmed.substr(0, trimmed.find(':')));
        EXPECT_EQ(accepted.count(name), 1U) << "ConfigMap key " << name;
    }
}

TEST_F(DeployManifestsTest, ContainerPortAndUserAreTheDockerfiles) {
    const auto exposed = NumberAfter(dockerfile_, "EXPOSE ");
    ASSERT_FALSE(exposed.empty()) << "no EXPOSE in the Dockerfile";
    EXPECT_EQ(NumberAfter(dockerfile_, "OC5_PORT="), exposed);
    ASSERT_FALSE(statefulset_.empty());
    const auto ports = ValuesOf(statefulset_, "containerPort");
    ASSERT_EQ(ports.size(), 1U);
    EXPECT_EQ(ports.front(), exposed);
    const auto configured = ValuesOf(configmap_, "OC5_PORT");
    ASSERT_EQ(configured.size(), 1U);
    EXPECT_EQ(configured.front(), exposed);
    // The probes name the container port by its name, "http", or by its number.
    const auto probe_ports = ValuesOf(statefulset_, "port");
    EXPECT_FALSE(probe_ports.empty());
    for (const auto& port : probe_ports) EXPECT_TRUE(port == "http" || port == exposed) << port;
    const auto lines = Lines(statefulset_);
    bool named = false;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (Trim(lines[i]) == "- name: http" && Trim(lines[i + 1]) == "containerPort: " + exposed) {
            named = true;
        }
    }
    EXPECT_TRUE(named) << "the container port " << exposed << " is not named http";

    const auto uid = NumberAfter(dockerfile_, "--uid ");
    ASSERT_FALSE(uid.empty()) << "the Dockerfile's user has no fixed uid";
    const auto users = ValuesOf(statefulset_, "runAsUser");
    ASSERT_FALSE(users.empty());
    for (const auto& user : users) EXPECT_EQ(user, uid);
    EXPECT_FALSE(ValuesOf(statefulset_, "runAsNonRoot").empty());
}

TEST_F(DeployManifestsTest, SpoolVolumeIsMountedAtTheConfiguredSpoolDir) {
    const auto spool_dirs = ValuesOf(configmap_, "OC5_SPOOL_DIR");
    ASSERT_EQ(spool_dirs.size(), 1U);
    const auto& spool_dir = spool_dirs.front();
    const auto lines = Lines(statefulset_);
    std::string volume;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (Trim(lines[i]) != "mountPath: " + spool_dir) continue;
        const auto previous = ValuesOf(lines[i - 1], "name");
        if (!previous.empty()) volume = previous.front();
    }
    ASSERT_FALSE(volume.empty()) << "no volume mounted at OC5_SPOOL_DIR " << spool_dir;
    // A persistent volume per replica: the mount is one of the volumeClaimTemplates.
    const auto templates = statefulset_.find("volumeClaimTemplates:");
    ASSERT_NE(templates, std::string::npos) << "the spool needs a volumeClaimTemplate";
    const auto claims = ValuesOf(statefulset_.substr(templates), "name");
    EXPECT_NE(std::find(claims.begin(), claims.end(), volume), claims.end())
        << "the volume " << volume << " at " << spool_dir << " is not a volumeClaimTemplate";
}

TEST_F(DeployManifestsTest, ProbePathsAnswerOnARunningService) {
    std::set<std::string> paths;
    for (auto& path : ValuesOf(statefulset_, "path")) {
        if (!path.empty() && path.front() == '/') paths.insert(std::move(path));
    }
    EXPECT_EQ(paths.count("/livez"), 1U);
    EXPECT_EQ(paths.count("/readyz"), 1U);
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    for (const auto& path : paths) {
        EXPECT_EQ(client.Get(path).status, 200) << path;
    }
}

TEST_F(DeployManifestsTest, GracePeriodCoversTheDrain) {
    // serve drains in-flight requests for up to 10 s on SIGTERM, then flushes the log; the
    // systemd unit and the compose file give it 30 s.
    const auto grace = ValuesOf(statefulset_, "terminationGracePeriodSeconds");
    ASSERT_EQ(grace.size(), 1U);
    EXPECT_GE(std::stoi(grace.front()), 30);
}

}  // namespace
}  // namespace attrition::test::deploy_manifests_test
