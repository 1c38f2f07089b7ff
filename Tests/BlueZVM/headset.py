"""A Sony WH-1000XM4 as bluetoothd meets it, played by Google Bumble on a btvirt
controller that it holds through the HCI user channel (so bluetoothd never sees
that controller, and the host has exactly one adapter).

What it shows the host, as the real headset does:
  - name WH-1000XM4, class of device 0x240404 (audio/video, wearable headset,
    service bits Audio + Rendering);
  - an extended inquiry response with the name, Sony's Device ID (USB vendor 0x054C,
    product 0x0D58, so bluetoothd's Modalias reads usb:v054Cp0D58d….) and its services;
  - SDP records: A2DP sink (0x110B, a real AVDTP endpoint with SBC), HFP hands-free
    (0x111E, RFCOMM), Sony's control service 96CC203E-… (RFCOMM), and the PnP
    Information record (0x1200) with the same Device ID.

It behaves like a headset, not like a test double: while not in pairing mode it is
connectable (page scan) but not discoverable (btvirt 5.66, though, answers an inquiry
from any page-scanning controller: see radio-off), and it refuses to pair (IO Capability
Request Negative Reply, Pairing Not Allowed); it keeps the link keys it was given
and answers the host's Link Key Request with them, or with a negative reply when it
has none.

One process lives through the whole guest (importing Bumble takes seconds under
TCG); each scenario hands it a fresh controller. The test drives it over a Unix
socket, one JSON object per line each way:
  {"cmd": "open", "transport": "hci-socket:1"}   switch on, on that controller
  {"cmd": "close"}                      switch off (the key store survives)
  {"cmd": "pairing-mode", "on": true}   discoverable + pairable (the user held the button)
  {"cmd": "radio-off"}                  neither discoverable nor connectable (switched off)
  {"cmd": "forget-host"}                drop every link key it holds
  {"cmd": "reset"}                      factory state: no links, no keys, not pairable
  {"cmd": "drop", "reason": 8}          drop the ACL link with that HCI reason
  {"cmd": "status"}                     connections, keys, pairing mode, address
Replies are {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."};
events are {"event": "...", ...}, sent to every client: connection, disconnection,
pairing-request, pairing-refused, pairing, pairing-failure, authentication-failure,
keys, avdtp-open, avdtp-configured, avdtp-stream-open, avdtp-close, rfcomm.

Usage: headset.py SOCKET READY_FILE   (READY_FILE appears once SOCKET listens)
"""

import asyncio
import json
import logging
import os
import struct
import sys
import time

from bumble import a2dp, avdtp, core, hci, hfp, keys, rfcomm, sdp, utils
from bumble.device import Device, DeviceConfiguration
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport import open_transport

NAME = "WH-1000XM4"
CLASS_OF_DEVICE = 0x240404
SONY_USB_VENDOR, XM4_PRODUCT, DID_VERSION = 0x054C, 0x0D58, 0x0100
DID_SOURCE_USB = 0x0002
SONY_CONTROL_UUID = "96CC203E-5068-46AD-B32D-E316F5E069BA"

log = logging.getLogger("headset")


def now():
    return "%.3f" % time.monotonic()


class Delegate(PairingDelegate):
    """NoInputNoOutput; says yes to pairing only in pairing mode."""

    def __init__(self, headset):
        super().__init__(io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
        self.headset = headset

    async def confirm(self, auto=False):
        allowed = self.headset.pairing_mode
        self.headset.emit("pairing-request", allowed=allowed)
        return allowed


class HeadsetDevice(Device):
    """Refuses to pair outside pairing mode, as a headset does: a pairing request
    (IO Capability Request) then gets a negative reply, "Pairing Not Allowed"."""

    headset = None

    def on_authentication_io_capability_request(self, address):
        if self.headset is not None and not self.headset.pairing_mode:
            self.headset.emit("pairing-refused", peer=str(address).replace("/P", ""))
            utils.AsyncRunner.spawn(self.host.send_sync_command(hci.HCI_IO_Capability_Request_Negative_Reply_Command(
                bd_addr=address, reason=hci.HCI_PAIRING_NOT_ALLOWED_ERROR)))
            return
        super().on_authentication_io_capability_request(address)


class Headset:
    def __init__(self):
        self.device = None
        self.transport = None
        self.keystore = keys.MemoryKeyStore()
        self.pairing_mode = False
        self.clients = set()

    # -- events out ---------------------------------------------------------

    def emit(self, event, **fields):
        line = json.dumps(dict(event=event, t=time.monotonic(), **fields)) + "\n"
        print("HEADSET", now(), line.strip(), flush=True)
        for w in list(self.clients):
            try:
                w.write(line.encode())
            except Exception:
                self.clients.discard(w)

    # -- what the headset is ------------------------------------------------

    def sdp_records(self, hf_channel, control_channel):
        hf = hfp.HfConfiguration(
            supported_hf_features=[hfp.HfFeature.REMOTE_VOLUME_CONTROL],
            supported_hf_indicators=[],
            supported_audio_codecs=[hfp.AudioCodec.CVSD],
        )
        browse = sdp.ServiceAttribute(
            sdp.SDP_BROWSE_GROUP_LIST_ATTRIBUTE_ID,
            sdp.DataElement.sequence([sdp.DataElement.uuid(sdp.SDP_PUBLIC_BROWSE_ROOT)]),
        )

        def handle(h):
            return sdp.ServiceAttribute(sdp.SDP_SERVICE_RECORD_HANDLE_ATTRIBUTE_ID, sdp.DataElement.unsigned_integer_32(h))

        control = [
            handle(0x00010003),
            browse,
            sdp.ServiceAttribute(
                sdp.SDP_SERVICE_CLASS_ID_LIST_ATTRIBUTE_ID,
                sdp.DataElement.sequence([sdp.DataElement.uuid(core.UUID(SONY_CONTROL_UUID))]),
            ),
            sdp.ServiceAttribute(
                sdp.SDP_PROTOCOL_DESCRIPTOR_LIST_ATTRIBUTE_ID,
                sdp.DataElement.sequence([
                    sdp.DataElement.sequence([sdp.DataElement.uuid(core.BT_L2CAP_PROTOCOL_ID)]),
                    sdp.DataElement.sequence([
                        sdp.DataElement.uuid(core.BT_RFCOMM_PROTOCOL_ID),
                        sdp.DataElement.unsigned_integer_8(control_channel),
                    ]),
                ]),
            ),
        ]
        u16 = sdp.DataElement.unsigned_integer_16
        pnp = [
            handle(0x00010004),
            browse,
            sdp.ServiceAttribute(
                sdp.SDP_SERVICE_CLASS_ID_LIST_ATTRIBUTE_ID,
                sdp.DataElement.sequence([sdp.DataElement.uuid(core.BT_PNP_INFORMATION_SERVICE)]),
            ),
            sdp.ServiceAttribute(0x0200, u16(0x0103)),  # SpecificationID
            sdp.ServiceAttribute(0x0201, u16(SONY_USB_VENDOR)),  # VendorID
            sdp.ServiceAttribute(0x0202, u16(XM4_PRODUCT)),  # ProductID
            sdp.ServiceAttribute(0x0203, u16(DID_VERSION)),  # Version
            sdp.ServiceAttribute(0x0204, sdp.DataElement.boolean(True)),  # PrimaryRecord
            sdp.ServiceAttribute(0x0205, u16(DID_SOURCE_USB)),  # VendorIDSource
        ]
        return {
            0x00010001: a2dp.make_audio_sink_service_sdp_records(0x00010001),
            0x00010002: hfp.make_hf_sdp_records(0x00010002, hf_channel, hf),
            0x00010003: control,
            0x00010004: pnp,
        }

    @staticmethod
    def inquiry_response():
        def field(kind, payload):
            return bytes([len(payload) + 1, kind]) + payload

        sony = bytes(reversed(bytes.fromhex(SONY_CONTROL_UUID.replace("-", ""))))
        return (
            field(0x09, NAME.encode())
            + field(0x10, struct.pack("<HHHH", DID_SOURCE_USB, SONY_USB_VENDOR, XM4_PRODUCT, DID_VERSION))
            + field(0x03, struct.pack("<HH", 0x110B, 0x111E))
            + field(0x07, sony)
        )

    @staticmethod
    def sbc_sink_capabilities():
        S = a2dp.SbcMediaCodecInformation
        return avdtp.MediaCodecCapabilities(
            media_type=avdtp.AVDTP_AUDIO_MEDIA_TYPE,
            media_codec_type=a2dp.A2DP_SBC_CODEC_TYPE,
            media_codec_information=S(
                sampling_frequency=S.SamplingFrequency.SF_44100 | S.SamplingFrequency.SF_48000,
                channel_mode=S.ChannelMode.MONO | S.ChannelMode.DUAL_CHANNEL | S.ChannelMode.STEREO | S.ChannelMode.JOINT_STEREO,
                block_length=S.BlockLength.BL_4 | S.BlockLength.BL_8 | S.BlockLength.BL_12 | S.BlockLength.BL_16,
                subbands=S.Subbands.S_4 | S.Subbands.S_8,
                allocation_method=S.AllocationMethod.LOUDNESS | S.AllocationMethod.SNR,
                minimum_bitpool_value=2,
                maximum_bitpool_value=53,
            ),
        )

    # -- wiring -------------------------------------------------------------

    async def start(self):
        d = self.device
        d.keystore = self.keystore
        d.pairing_config_factory = lambda connection: PairingConfig(
            sc=True, mitm=False, bonding=True, delegate=Delegate(self))
        d.inquiry_response = self.inquiry_response()

        server = rfcomm.Server(d)
        hf_channel = server.listen(lambda dlc: self.on_dlc("hfp", dlc))
        control_channel = server.listen(lambda dlc: self.on_dlc("sony-control", dlc))
        d.sdp_service_records = self.sdp_records(hf_channel, control_channel)

        listener = avdtp.Listener.for_device(d)
        listener.on("connection", self.on_avdtp)

        d.on("connection", self.on_connection)
        d.on("key_store_update", lambda: self.emit("keys"))
        await d.power_on()
        await d.set_discoverable(False)
        await d.set_connectable(True)

    def on_connection(self, connection):
        peer = str(connection.peer_address).replace("/P", "")
        self.emit("connection", peer=peer, handle=connection.handle)
        connection.on("disconnection", lambda reason: self.emit(
            "disconnection", peer=peer, reason=reason))
        connection.on("pairing", lambda keys: self.emit("pairing", peer=peer))
        connection.on("pairing_failure", lambda reason: self.emit("pairing-failure", peer=peer, reason=int(reason)))
        connection.on("connection_authentication_failure", lambda error: self.emit(
            "authentication-failure", peer=peer, error=int(error)))

    def on_dlc(self, service, dlc):
        self.emit("rfcomm", service=service)
        dlc.sink = lambda data: None

    def on_avdtp(self, protocol):
        self.emit("avdtp-open")
        sink = protocol.add_sink(self.sbc_sink_capabilities())
        sink.on("configuration", lambda: self.emit("avdtp-configured"))
        sink.on("open", lambda: self.emit("avdtp-stream-open"))
        protocol.on("close", lambda: self.emit("avdtp-close"))

    # -- commands -----------------------------------------------------------

    async def command(self, msg):
        cmd = msg.get("cmd")
        d = self.device
        if cmd == "open":
            return await self.open(msg["transport"])
        if cmd == "close":
            return await self.close()
        if cmd == "forget-host":
            return await self.forget_host()
        if cmd == "reset" and d is None:
            self.pairing_mode = False
            await self.keystore.delete_all()
            return {}
        if d is None:
            raise RuntimeError("the headset is off (no controller): %s" % cmd)
        if cmd == "pairing-mode":
            # On: discoverable and connectable. Off: connectable only (paired hosts
            # may connect), as a headset that is simply switched on.
            self.pairing_mode = bool(msg["on"])
            await d.set_discoverable(self.pairing_mode)
            await d.set_connectable(True)
            return {}
        if cmd == "radio-off":
            # Neither discoverable nor connectable: the headset switched off, or the
            # first seconds of holding its power button down for pairing mode.
            self.pairing_mode = False
            await d.set_discoverable(False)
            await d.set_connectable(False)
            return {}
        if cmd == "reset":
            # Factory state: not in pairing mode, no links, no keys.
            self.pairing_mode = False
            await d.set_discoverable(False)
            await d.set_connectable(True)
            for c in list(d.connections.values()):
                await c.disconnect(hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR)
            await self.keystore.delete_all()
            return {}
        if cmd == "drop":
            reason = int(msg.get("reason", hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR))
            conns = [c for c in d.connections.values() if c.transport == core.PhysicalTransport.BR_EDR]
            if not conns:
                raise RuntimeError("no connection to drop")
            for c in conns:
                await c.disconnect(reason)
            return {"dropped": len(conns)}
        if cmd == "status":
            stored = await self.keystore.get_all()
            return {
                "pairing_mode": self.pairing_mode,
                "connections": [str(c.peer_address).replace("/P", "") for c in d.connections.values()],
                "keys": [name for name, k in stored if k.link_key is not None],
                "address": str(d.public_address).replace("/P", ""),
            }
        raise RuntimeError("unknown command %r" % cmd)

    async def forget_host(self):
        """The headset drops every link key it holds (as after its pairing list was
        cleared). Only the headset's own memory changes: the host keeps its bond."""
        await self.keystore.delete_all()
        return {}

    async def open(self, transport):
        """Takes a (new) controller: a headset switched on. Its key store survives."""
        if self.transport is not None:
            raise RuntimeError("already open")
        self.transport = await open_transport(transport)
        config = DeviceConfiguration(
            name=NAME, class_of_device=CLASS_OF_DEVICE, classic_enabled=True, le_enabled=False)
        device = HeadsetDevice.from_config_with_hci(config, self.transport.source, self.transport.sink)
        device.classic_enabled = True
        device.headset = self
        self.device = device
        await self.start()
        return {"address": str(device.public_address).replace("/P", "")}

    async def close(self):
        """Lets go of the controller: the headset switched off."""
        if self.transport is not None:
            transport, self.transport, self.device = self.transport, None, None
            try:
                await transport.close()
            except OSError as e:  # the controller may be gone already (btvirt died)
                log.info("closing the transport: %s", e)
        return {}

    async def serve(self, reader, writer):
        self.clients.add(writer)
        try:
            while line := await reader.readline():
                msg = json.loads(line)
                try:
                    reply = dict(id=msg.get("id"), ok=True, **(await self.command(msg)))
                except Exception as e:  # the test reads the reason
                    reply = dict(id=msg.get("id"), ok=False, error="%s: %s" % (type(e).__name__, e))
                print("HEADSET", now(), "cmd", json.dumps(msg), "->", json.dumps(reply), flush=True)
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        finally:
            self.clients.discard(writer)


async def main(socket_path, ready_path):
    headset = Headset()
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server = await asyncio.start_unix_server(headset.serve, path=socket_path)
    with open(ready_path + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(ready_path + ".tmp", ready_path)
    print("HEADSET", now(), "ready", flush=True)
    async with server:
        await asyncio.Event().wait()


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("HEADSET_LOG", "INFO"), stream=sys.stdout,
                        format="%(relativeCreated)8.0f %(name)s %(levelname)s %(message)s")
    asyncio.run(main(sys.argv[1], sys.argv[2]))
