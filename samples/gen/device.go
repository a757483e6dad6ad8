package main

import (
	"math/rand/v2"
	"strconv"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// device is the phone whose browser sends telemetry: its identifiers and the
// state the Sensors Android SDK keeps (login, super properties). All values
// are invented; none belongs to a real device or person.
type device struct {
	AndroidID string // Settings.Secure.ANDROID_ID, 16 lower-case hex
	IMEI      string // 15 digits, Luhn check digit computed by imei()
	OAID      string // MSA OAID, Xiaomi style: 16 hex
	MAC       string // Wi-Fi MAC, also the phone's MAC in Ethernet samples
	AnonID    string // MiStatistics anonymous id, a UUID (Palant 2020)
	Account   string // Mi account id, once logged in
	loggedIn  bool
	HW        hardware

	App     app
	Country string // the r= parameter and miui_region
	rng     *rand.Rand
}

// app is the browser build the device runs.
type app struct {
	ID, Name, Version string
	Project           string // Sensors project= parameter
	LibDetail         string
}

var mintBrowser = app{
	ID: "com.mi.globalbrowser.mini", Name: "Mint Browser", Version: "3.4.0",
	Project:   "global_browser_mini",
	LibDetail: "miui.globalbrowser.common_business.g.i##a##SourceFile##92",
}

// hardware is what the SDK's preset properties say about the phone.
type hardware struct {
	Manufacturer, Brand, Model string
	OSVersion                  string // Android release
	Carrier                    string
	ScreenW, ScreenH           int
	MIUI                       string // miui_version super property
	Language                   string // system_language super property
}

// redmiNote8 is the phone of the first samples and sdk-zoo.
var redmiNote8 = hardware{Manufacturer: "Xiaomi", Brand: "Redmi", Model: "Redmi Note 8", OSVersion: "10",
	Carrier: "Vodafone RO", ScreenW: 1080, ScreenH: 2340, MIUI: "V11.0.5.0.QCOEUXM", Language: "ro_RO"}

// newDevice returns the sample phone. rng draws _track_id values.
func newDevice(rng *rand.Rand, a app) *device {
	return &device{
		AndroidID: "5c2b8e1f9a3d7e60",
		IMEI:      imei("86869204123456"),
		OAID:      "7f3a9c2e11d04b86",
		MAC:       "7c:1d:d9:4a:2b:6e",
		AnonID:    "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
		Account:   "6583412207",
		HW:        redmiNote8,
		App:       a,
		Country:   "RO",
		rng:       rng,
	}
}

// imei appends the Luhn check digit to a 14-digit TAC+serial.
func imei(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		// Doubling starts with the rightmost digit of the body, which is the
		// second digit from the right once the check digit is appended.
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

// login switches the SDK to the Mi account, as the browser calls
// SensorsDataAPI.login(account.name) when an account is present.
func (d *device) login() { d.loggedIn = true }

func (d *device) distinctID() string {
	if d.loggedIn {
		return d.Account
	}
	return d.AnonID
}

// identifierSpecs lists the values the truth file reports occurrences of.
func (d *device) identifierSpecs() []truth.IdentifierSpec {
	return []truth.IdentifierSpec{
		{Kind: "imei", Value: d.IMEI},
		{Kind: "android_id", Value: d.AndroidID},
		{Kind: "oaid", Value: d.OAID},
		{Kind: "mac", Value: d.MAC},
		{Kind: "anonymous_id", Value: d.AnonID},
		{Kind: "mi_account", Value: d.Account},
	}
}

// event builds one Android SDK event in the member order of
// trackEventInternal: _track_id, time, type, distinct_id, [login_id],
// anonymous_id, identities, lib, event, properties. Properties are the
// preset device properties, then the browser's super properties, then
// custom. method is "code" or "autoTrack".
func (d *device) event(name string, timeMs int64, method string, custom sensors.Object) sensors.Object {
	ids := sensors.Object{{Key: "$identity_android_id", Value: d.AndroidID}}
	if d.loggedIn {
		ids = append(ids, sensors.Member{Key: "$identity_login_id", Value: d.Account})
	}
	lib := sensors.Object{
		{Key: "$lib", Value: "Android"},
		{Key: "$lib_version", Value: "4.0.0"},
		{Key: "$app_version", Value: d.App.Version},
		{Key: "$lib_method", Value: method},
	}
	if method == "code" {
		lib = append(lib, sensors.Member{Key: "$lib_detail", Value: d.App.LibDetail})
	}
	props := sensors.Object{
		{Key: "$os", Value: "Android"},
		{Key: "$os_version", Value: d.HW.OSVersion},
		{Key: "$manufacturer", Value: d.HW.Manufacturer},
		{Key: "$model", Value: d.HW.Model},
		{Key: "$brand", Value: d.HW.Brand},
		{Key: "$app_version", Value: d.App.Version},
		{Key: "$app_id", Value: d.App.ID},
		{Key: "$app_name", Value: d.App.Name},
		{Key: "$lib", Value: "Android"},
		{Key: "$lib_version", Value: "4.0.0"},
		{Key: "$screen_width", Value: d.HW.ScreenW},
		{Key: "$screen_height", Value: d.HW.ScreenH},
		{Key: "$carrier", Value: d.HW.Carrier},
		{Key: "$device_id", Value: d.AndroidID},
		{Key: "$timezone_offset", Value: -180},
		{Key: "$wifi", Value: true},
		{Key: "$network_type", Value: "WIFI"},
		{Key: "$is_first_day", Value: false},
		// Super properties registered by the browser (Palant 2020).
		{Key: "uuid", Value: d.AnonID},
		{Key: "internet_status", Value: 1},
		{Key: "platform", Value: "AndroidApp"},
		{Key: "miui_version", Value: d.HW.MIUI},
		{Key: "miui_region", Value: d.Country},
		{Key: "system_language", Value: d.HW.Language},
	}
	props = append(props, custom...)
	ev := sensors.Object{
		// SecureRandom.nextInt(): any signed 32-bit value.
		{Key: "_track_id", Value: int64(int32(d.rng.Uint32()))},
		{Key: "time", Value: timeMs},
		{Key: "type", Value: "track"},
		{Key: "distinct_id", Value: d.distinctID()},
	}
	if d.loggedIn {
		ev = append(ev, sensors.Member{Key: "login_id", Value: d.Account})
	}
	ev = append(ev,
		sensors.Member{Key: "anonymous_id", Value: d.AnonID},
		sensors.Member{Key: "identities", Value: ids},
		sensors.Member{Key: "lib", Value: lib},
		sensors.Member{Key: "event", Value: name},
		sensors.Member{Key: "properties", Value: props},
	)
	return ev
}

// installSource is the identifier-dense $ios_install_source value the SDK
// stores on $AppInstall (ChannelUtils.getDeviceInfo, older field set).
func (d *device) installSource() string {
	return "android_id=" + d.AndroidID + "##imei=" + d.IMEI + "##mac=" + d.MAC + "##oaid=" + d.OAID
}
