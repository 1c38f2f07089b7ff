import ArgumentParser
import SonyCLIOutput
import SonyClient

struct Diagnose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check BlueZ, the adapter, the audio server and the device, and name the mildest step that should help.",
        discussion: "Exits 0 when nothing needs doing and 20 when a step is advised.")

    @OptionGroup var target: DeviceArgument

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Session(output).run { session in
            let (client, snapshot) = try await session.open(target.device, action: "diagnose \(target.device)")
            let diagnosis: Diagnosis
            do throws(ClientError) {
                diagnosis = try await client.diagnose(snapshot.path)
            } catch {
                throw Failure(error, action: "diagnose")
            }
            if session.json {
                Console.out(DiagnosisText.json(diagnosis, device: snapshot).text)
            } else {
                DiagnosisText.lines(diagnosis, device: snapshot, on: session.terminal).forEach(Console.out)
            }
            return diagnosis.step == "none" ? .success : .attention
        }
    }
}
