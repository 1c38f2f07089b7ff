#!/bin/sh
# sonyctl-notify.sh - desktop notifications for sonyctld, with nothing but gdbus and
# notify-send: when a headset starts dropping (DisconnectPattern) and when a repair
# ends (RepairFinished). Run it in your desktop session, e.g. from
# ~/.config/autostart, or `examples/sonyctl-notify.sh &`.
#
# NOTIFY overrides the notifier (default notify-send); gdbus's own status lines go to
# stderr, so a caller can tell when it is listening.
NOTIFY=${NOTIFY:-notify-send}

# /org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_FF: … → AA:BB:CC:DD:EE:FF
address() { printf '%s\n' "${1%%:*}" | sed -e 's|.*/dev_||' -e 's|_|:|g'; }
# 'text' or "text" (gdbus quotes with " when the text holds a ') → text
unquote() { printf '%s\n' "$1" | sed -e "s/^'\(.*\)'\$/\1/" -e 's/^"\(.*\)"$/\1/' -e "s/\\\\'/'/g"; }

gdbus monitor --system --dest org.sonyctl.Daemon1 | while IFS= read -r line; do
    case $line in
    *"org.sonyctl.Daemon1.Device.DisconnectPattern ("*)
        # ('flapping', uint32 3, uint32 600, 'WH-1000XM4 dropped 3 times in 10 minutes. …')
        args=${line#*DisconnectPattern (}
        kind=$(unquote "${args%%,*}")
        advice=$(unquote "$(printf '%s\n' "$args" | sed -e 's/^[^,]*, uint32 [0-9]*, uint32 [0-9]*, //' -e 's/)$//')")
        "$NOTIFY" --app-name=sonyctl --icon=audio-headphones --urgency=normal \
            "$(address "$line"): $kind" "$advice"
        ;;
    *"org.sonyctl.Daemon1.Device.RepairFinished ("*)
        # (true, '', 'repaired: …') or (false, 'org.sonyctl.Daemon1.Error.Timeout', '…')
        args=${line#*RepairFinished (}
        message=$(unquote "$(printf '%s\n' "$args" | sed -e 's/^[a-z]*, \(.\)[^,]*\1, //' -e 's/)$//')")
        case $args in
        true*) "$NOTIFY" --app-name=sonyctl --icon=audio-headphones "$(address "$line"): repaired" "$message" ;;
        *) "$NOTIFY" --app-name=sonyctl --icon=dialog-warning --urgency=critical "$(address "$line"): repair failed" "$message" ;;
        esac
        ;;
    "Monitoring signals"* | "The name org.sonyctl.Daemon1"*)
        printf '%s\n' "$line" >&2
        ;;
    esac
done
