import SonyCore
import Testing

/// Advice from findings: the ladder from the mildest step up, and the model's own buttons.
@Suite struct AdvisorTests {
    let catalogue: ModelCatalogue
    let advisor: Advisor

    init() throws {
        catalogue = try shippedCatalogue()
        advisor = Advisor(catalogue: catalogue)
    }

    func subject(_ model: String) -> Advisor.Subject {
        Advisor.Subject(name: model, address: "AA:BB:CC:DD:EE:01", model: catalogue.model(id: model))
    }

    func finding(_ kind: PatternKind, repeats: Int = 0, count: Int = 3) -> PatternFinding {
        PatternFinding(kind: kind, count: count, windowSeconds: 600, repeats: repeats, at: 0)
    }

    @Test func flappingClimbsFromSoftResetToFirmwareRecovery() {
        let steps = (0..<6).map { advisor.advice(for: finding(.flapping, repeats: $0), about: subject("WH-1000XM5")).step }
        #expect(steps == [.softReset, .networkReset, .factoryReset, .firmwareRecovery, .firmwareRecovery, .firmwareRecovery])
    }

    @Test func theFirstAdviceCarriesTheModelsSourcedButtons() {
        let advice = advisor.advice(for: finding(.flapping), about: subject("WH-1000XM5"))
        #expect(advice.text.hasPrefix("WH-1000XM5 dropped 3 times in 10 minutes."), "\(advice.text)")
        #expect(advice.text.contains("Power + NC/AMBIENT together for 7 seconds"), "the XM5's soft reset: \(advice.text)")
        #expect(advice.text.contains("Keeps: all settings"), "what the soft tier keeps: \(advice.text)")
        #expect(advice.text.contains("Service Mode"), "the article's warning comes along: \(advice.text)")
    }

    @Test func aNetworkResetIsSonyctlRepairAndTheHeadsetsHalf() {
        let advice = advisor.advice(for: finding(.staleBond), about: subject("WH-1000XM4"))
        #expect(advice.step == .networkReset)
        #expect(advice.text.contains("`sonyctl repair AA:BB:CC:DD:EE:01`"), "\(advice.text)")
        #expect(advice.text.contains("Power + Volume+ for 10 seconds"), "the XM4's network reset: \(advice.text)")
        #expect(advice.text.contains("Wipes: stored Bluetooth addresses and pairing history"), "\(advice.text)")
    }

    @Test func aStepWithNoSourceSaysSoInsteadOfInventingButtons() {
        let advice = advisor.advice(for: finding(.flapping), about: subject("WH-1000XM4"))
        #expect(advice.step == .softReset)
        #expect(advice.text.contains("Neither reference article gives a soft-reset sequence for the WH-1000XM4"), "\(advice.text)")
        let unknown = advisor.advice(for: finding(.flapping), about: Advisor.Subject(name: "Mystery", address: "AA:BB:CC:DD:EE:09", model: nil))
        #expect(unknown.text.contains("not in the catalogue"), "\(unknown.text)")
    }

    @Test func lowBatteryIsChargeAndNoAudioIsTheHostFirst() {
        #expect(advisor.advice(for: finding(.lowBattery, repeats: 3), about: subject("WF-1000XM5")).step == .charge)
        let host = advisor.advice(for: finding(.noAudioProfile), about: subject("WF-1000XM5"), hostAudioReady: false)
        #expect(host.step == .hostFix)
        #expect(host.text.contains("PipeWire"), "\(host.text)")
        #expect(advisor.advice(for: finding(.noAudioProfile), about: subject("WF-1000XM5"), hostAudioReady: true).step == .reconnect)
        #expect(advisor.advice(for: finding(.afterResume), about: subject("WF-1000XM5")).step == .reconnect)
    }

    @Test func aFactoryResetSaysWhatItWipes() {
        let advice = advisor.advice(for: finding(.staleBond, repeats: 1), about: subject("WF-1000XM5"))
        #expect(advice.step == .factoryReset)
        #expect(advice.text.contains("touch sensors for 15 seconds"), "\(advice.text)")
        #expect(advice.text.contains("Wipes: custom EQ presets"), "\(advice.text)")
        #expect(advice.text.contains("again"), "a repeat says so: \(advice.text)")
    }
}
