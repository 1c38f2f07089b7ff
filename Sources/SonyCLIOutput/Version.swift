/// The version `sonyctl --version` prints and a too-old daemon is told about.
package enum SonyctlVersion {
    package static let current = "0.1.0"
}
