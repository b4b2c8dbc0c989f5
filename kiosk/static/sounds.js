// Pin Kiosk sounds: a short tone for each verdict, generated with WebAudio (nothing fetched, so
// it works with the network cable pulled): rising for "hand out", two short beeps for "already
// handed out", low for "refused". The Settings page turns them off (body data-sounds="off").
// Every verdict also fires a "kiosk:sound" event with the sound's name, heard or not.
(function () {
  "use strict";
  var TONES = {
    go: [[660, 0.09], [880, 0.14]],                 // rising: hand it out
    already: [[520, 0.08], [0, 0.06], [520, 0.08]],  // two short: already has it
    refused: [[220, 0.32]]                           // low: refused
  };
  var SOUND_OF = { ok: "go", handed_out: "go", waitlisted: "go", already_issued: "already" };
  var audio = null;

  function sound(reason) {
    if (!reason) return;
    var name = SOUND_OF[reason] || "refused";
    document.dispatchEvent(new CustomEvent("kiosk:sound", { detail: name }));
    if (document.body.dataset.sounds !== "on" || !window.AudioContext) return;
    try {
      audio = audio || new window.AudioContext();
      var at = audio.currentTime;
      TONES[name].forEach(function (tone) {
        if (tone[0]) {
          var osc = audio.createOscillator(), gain = audio.createGain();
          osc.type = name === "refused" ? "square" : "sine";
          osc.frequency.value = tone[0];
          gain.gain.setValueAtTime(0.18, at);
          gain.gain.exponentialRampToValueAtTime(0.001, at + tone[1]);
          osc.connect(gain).connect(audio.destination);
          osc.start(at);
          osc.stop(at + tone[1]);
        }
        at += tone[1];
      });
    } catch (err) { /* no sound device: the verdict on screen is enough */ }
  }

  window.PinKiosk = window.PinKiosk || {};
  window.PinKiosk.sound = sound;
})();
