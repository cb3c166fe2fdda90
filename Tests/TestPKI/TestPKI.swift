import Foundation

/// A throwaway PKI made by the `openssl` CLI in a temporary directory, once per test process:
/// a trusted CA, an untrusted CA, and certificates for the failure cases. No key is committed.
///
/// Files: `ca.pem`; `server.pem`/`server.key` (localhost, 127.0.0.1, ::1); `other-host.pem`/`.key`
/// (only `other.example`); `expired.pem`/`.key`; `untrusted.pem`/`.key` (signed by another CA);
/// `client.pem`/`client.key` (client auth, signed by the CA).
///
/// A support target shared by the TLS, interop, browser and wscat test suites.
public struct TestPKI: Sendable {
    /// The folder holding the files; removed when the test process exits.
    public let directory: String

    public func path(_ name: String) -> String { directory + "/" + name }

    /// Why TLS tests cannot run here, or `nil`.
    public static let unavailableReason: String? = {
        shared == nil ? "the openssl command is not available (or failed); TLS tests skipped" : nil
    }()

    public static let shared: TestPKI? = {
        let directory = directoryToRemove
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The keys are throwaway, but nothing should outlive the process that made them.
        atexit { try? FileManager.default.removeItem(atPath: TestPKI.directoryToRemove) }
        let pki = TestPKI(directory: directory)
        return pki.generate() ? pki : nil
    }()

    /// This process's folder (a function of the pid, so the C `atexit` callback can find it).
    private static var directoryToRemove: String { NSTemporaryDirectory() + "asyncwebsocket-pki-\(getpid())" }

    private func openssl(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    private func makeCA(_ name: String) -> Bool {
        openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", "/CN=\(name)",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    private func makeLeaf(_ name: String, ca: String, names: String, days: Int) -> Bool {
        let extensions = "subjectAltName=\(names)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n"
        guard FileManager.default.createFile(atPath: path("\(name).ext"), contents: Data(extensions.utf8)) else { return false }
        return openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
            && openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
                        "-CAcreateserial", "-out", "\(name).pem", "-days", String(days), "-extfile", "\(name).ext"])
    }

    private func generate() -> Bool {
        makeCA("ca") && makeCA("other-ca")
            && makeLeaf("server", ca: "ca", names: "DNS:localhost,IP:127.0.0.1,IP:::1", days: 2)
            && makeLeaf("other-host", ca: "ca", names: "DNS:other.example", days: 2)
            && makeLeaf("expired", ca: "ca", names: "DNS:localhost,IP:127.0.0.1", days: -1)
            && makeLeaf("untrusted", ca: "other-ca", names: "DNS:localhost,IP:127.0.0.1", days: 2)
            && makeLeaf("client", ca: "ca", names: "DNS:client.example", days: 2)
    }
}
