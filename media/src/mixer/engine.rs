//! The mixer core: legs, speaking detection, the N−1 sums and the shared listener frames.

use std::fmt;
use std::time::{Duration, Instant};

use super::leg::{CodecKey, Direction, LegConfig, LegId};
use super::resample::{linear_factory, Resample, ResamplerFactory};
use super::vad::{Vad, VadConfig};
use super::MixerError;

/// The tick period: every input and output is one 20 ms frame.
pub const TICK: Duration = Duration::from_millis(20);

/// Identifies a group of listeners that share one frame: one per (codec, rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// What one leg must hear this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegOutput {
    /// A speaker's own mix (every other speaker), at the leg's rate: encode it for this leg only.
    Own(Vec<i16>),
    /// A listener: send it the frame of this group, encoded once for all its members.
    Shared(GroupId),
    /// The leg does not receive (hold, `sendonly`, `inactive`): send nothing.
    Nothing,
}

/// The frame every non-speaking listener with one codec and rate hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFrame {
    /// The group's id, as named by [`LegOutput::Shared`].
    pub id: GroupId,
    /// The members' codec.
    pub codec: CodecKey,
    /// The members' rate in Hz; `pcm` holds `rate / 50` samples.
    pub rate: u32,
    /// The sum of all speakers, clamped, at `rate`.
    pub pcm: Vec<i16>,
    /// No leg is speaking: `pcm` is all zeros (the driver may send comfort noise instead).
    pub silent: bool,
}

/// The result of one [`Mixer::tick`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickOutput {
    /// Every leg's output, in the order the legs were added.
    pub legs: Vec<(LegId, LegOutput)>,
    /// The shared frames that at least one leg's output names.
    pub groups: Vec<SharedFrame>,
    /// The legs summed into the mix this tick.
    pub speakers: Vec<LegId>,
    /// When the next tick is due.
    pub next_tick: Option<Instant>,
}

impl TickOutput {
    /// The output of one leg.
    pub fn leg(&self, id: LegId) -> Option<&LegOutput> {
        self.legs.iter().find(|(l, _)| *l == id).map(|(_, o)| o)
    }

    /// A shared frame by id.
    pub fn group(&self, id: GroupId) -> Option<&SharedFrame> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The PCM a leg hears: its own mix, or its group's frame; `None` if it hears nothing.
    pub fn pcm(&self, id: LegId) -> Option<&[i16]> {
        match self.leg(id)? {
            LegOutput::Own(pcm) => Some(pcm),
            LegOutput::Shared(g) => self.group(*g).map(|f| f.pcm.as_slice()),
            LegOutput::Nothing => None,
        }
    }
}

/// One participant of the mix.
struct Leg {
    id: LegId,
    config: LegConfig,
    hold: bool,
    /// Leg rate → mix rate (`None` when equal).
    to_mix: Option<Box<dyn Resample + Send>>,
    /// Mix rate → leg rate, for its own mix (`None` when equal).
    from_mix: Option<Box<dyn Resample + Send>>,
    vad: Vad,
    /// This tick's input at the mix rate (valid when `has_input`).
    input: Vec<i16>,
    has_input: bool,
    speaking: bool,
}

impl Leg {
    fn contributes(&self) -> bool {
        !self.hold && self.config.direction.sends()
    }

    fn listens(&self) -> bool {
        !self.hold && self.config.direction.receives()
    }
}

/// A listener group's persistent state.
struct Group {
    id: GroupId,
    codec: CodecKey,
    rate: u32,
    from_mix: Option<Box<dyn Resample + Send>>,
    used: bool,
}

/// The N−1 mixer of one room; see the module documentation.
pub struct Mixer {
    rate: u32,
    frame: usize,
    vad: VadConfig,
    factory: ResamplerFactory,
    /// Sorted by id (ids only grow).
    legs: Vec<Leg>,
    next_leg: u32,
    groups: Vec<Group>,
    /// The sum of all speakers at the mix rate.
    mix: Vec<i32>,
    scratch: Vec<i16>,
    resampled: Vec<i16>,
    output: TickOutput,
    /// Spare sample buffers, recycled between ticks.
    pool: Vec<Vec<i16>>,
    /// Inputs naming an unknown leg, or of the wrong length.
    bad_inputs: u64,
}

impl fmt::Debug for Mixer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mixer")
            .field("rate", &self.rate)
            .field(
                "legs",
                &self
                    .legs
                    .iter()
                    .map(|l| (l.id, l.config, l.hold))
                    .collect::<Vec<_>>(),
            )
            .field("vad", &self.vad)
            .field("bad_inputs", &self.bad_inputs)
            .finish_non_exhaustive()
    }
}

fn leg_rate_ok(rate: u32) -> bool {
    (8000..=48_000).contains(&rate) && rate % 50 == 0
}

impl Mixer {
    /// A mixer at `rate` Hz (16000 or 48000 in practice) with default speaking detection and
    /// the built-in linear resampler.
    pub fn new(rate: u32) -> Result<Self, MixerError> {
        Self::with_config(rate, VadConfig::default(), linear_factory())
    }

    /// A mixer with explicit speaking detection and resampler factory.
    pub fn with_config(
        rate: u32,
        vad: VadConfig,
        factory: ResamplerFactory,
    ) -> Result<Self, MixerError> {
        if ![8000, 16_000, 24_000, 32_000, 48_000].contains(&rate) {
            return Err(MixerError::UnsupportedRate(rate));
        }
        let frame = rate as usize / 50;
        Ok(Self {
            rate,
            frame,
            vad,
            factory,
            legs: Vec::new(),
            next_leg: 0,
            groups: Vec::new(),
            mix: vec![0; frame],
            scratch: Vec::with_capacity(frame),
            resampled: Vec::with_capacity(frame),
            output: TickOutput::default(),
            pool: Vec::new(),
            bad_inputs: 0,
        })
    }

    /// The mix rate in Hz.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Number of legs.
    pub fn len(&self) -> usize {
        self.legs.len()
    }

    /// Whether the mixer has no legs.
    pub fn is_empty(&self) -> bool {
        self.legs.is_empty()
    }

    /// Inputs dropped so far because they named an unknown leg or had the wrong length.
    pub fn bad_inputs(&self) -> u64 {
        self.bad_inputs
    }

    /// Adds a leg; it takes part from the next tick.
    pub fn add_leg(&mut self, config: LegConfig) -> Result<LegId, MixerError> {
        if !leg_rate_ok(config.rate) {
            return Err(MixerError::UnsupportedRate(config.rate));
        }
        let id = LegId(self.next_leg);
        self.next_leg = self
            .next_leg
            .checked_add(1)
            .ok_or(MixerError::IdsExhausted)?;
        let mut leg = Leg {
            id,
            config,
            hold: false,
            to_mix: None,
            from_mix: None,
            vad: Vad::default(),
            input: Vec::with_capacity(self.frame),
            has_input: false,
            speaking: false,
        };
        self.make_resamplers(&mut leg);
        self.legs.push(leg);
        Ok(id)
    }

    /// Removes a leg.
    pub fn remove_leg(&mut self, id: LegId) -> Result<(), MixerError> {
        let i = self.index(id)?;
        self.legs.remove(i);
        Ok(())
    }

    /// Changes a leg's rate, codec or direction (after a re-INVITE).
    pub fn update_leg(&mut self, id: LegId, config: LegConfig) -> Result<(), MixerError> {
        if !leg_rate_ok(config.rate) {
            return Err(MixerError::UnsupportedRate(config.rate));
        }
        let i = self.index(id)?;
        let mut leg = self.legs.remove(i);
        let rate_changed = leg.config.rate != config.rate;
        leg.config = config;
        if rate_changed {
            self.make_resamplers(&mut leg);
        }
        self.legs.insert(i, leg);
        Ok(())
    }

    /// Sets a leg's media direction.
    pub fn set_direction(&mut self, id: LegId, direction: Direction) -> Result<(), MixerError> {
        let i = self.index(id)?;
        self.legs[i].config.direction = direction;
        Ok(())
    }

    /// Puts a leg on hold (out of the mix both ways) or takes it off hold.
    pub fn set_hold(&mut self, id: LegId, hold: bool) -> Result<(), MixerError> {
        let i = self.index(id)?;
        self.legs[i].hold = hold;
        Ok(())
    }

    /// A leg's configuration and hold flag.
    pub fn leg(&self, id: LegId) -> Option<(LegConfig, bool)> {
        let i = self.index(id).ok()?;
        Some((self.legs[i].config, self.legs[i].hold))
    }

    /// Mixes one 20 ms tick.
    ///
    /// `inputs` holds each leg's decoded frame at the leg's rate (`rate / 50` samples); legs
    /// not named have nothing to play. Inputs for unknown legs are ignored, frames of the wrong
    /// length are padded or cut; both are counted in [`Mixer::bad_inputs`].
    pub fn tick(&mut self, now: Instant, inputs: &[(LegId, &[i16])]) -> &TickOutput {
        self.recycle_output();
        for leg in &mut self.legs {
            leg.has_input = false;
        }
        for &(id, pcm) in inputs {
            let Ok(i) = self.index(id) else {
                self.bad_inputs += 1;
                continue;
            };
            let leg = &mut self.legs[i];
            if !leg.contributes() {
                continue;
            }
            if pcm.len() != leg.config.rate as usize / 50 {
                self.bad_inputs += 1;
            }
            leg.input.clear();
            match &mut leg.to_mix {
                Some(r) => r.process(pcm, &mut leg.input),
                None => leg.input.extend_from_slice(pcm),
            }
            leg.input.resize(self.frame, 0);
            leg.has_input = true;
        }

        // Speaking detection and the sum of all speakers.
        self.mix.iter_mut().for_each(|s| *s = 0);
        for leg in &mut self.legs {
            let frame = leg.has_input.then_some(leg.input.as_slice());
            let voiced = leg.vad.update(&self.vad, now, frame);
            leg.speaking = voiced && leg.has_input;
            if leg.speaking {
                for (m, &s) in self.mix.iter_mut().zip(&leg.input) {
                    *m += i32::from(s);
                }
                self.output.speakers.push(leg.id);
            }
        }

        for g in &mut self.groups {
            g.used = false;
        }
        for li in 0..self.legs.len() {
            let out = if !self.legs[li].listens() {
                LegOutput::Nothing
            } else if self.legs[li].speaking {
                LegOutput::Own(self.own_mix(li))
            } else {
                let (codec, rate) = (self.legs[li].config.codec, self.legs[li].config.rate);
                LegOutput::Shared(self.group_for(codec, rate))
            };
            self.output.legs.push((self.legs[li].id, out));
        }
        self.render_groups();
        self.output.next_tick = now.checked_add(TICK);
        &self.output
    }

    /// The last tick's output.
    pub fn output(&self) -> &TickOutput {
        &self.output
    }

    /// Every other speaker's sum for speaking leg `li`, at the leg's rate.
    fn own_mix(&mut self, li: usize) -> Vec<i16> {
        let leg = &mut self.legs[li];
        self.scratch.clear();
        self.scratch.extend(
            self.mix
                .iter()
                .zip(&leg.input)
                .map(|(&m, &s)| clamp(m - i32::from(s))),
        );
        let mut out = self.pool.pop().unwrap_or_default();
        out.clear();
        match &mut leg.from_mix {
            Some(r) => r.process(&self.scratch, &mut out),
            None => out.extend_from_slice(&self.scratch),
        }
        out.resize(leg.config.rate as usize / 50, 0);
        out
    }

    /// The group of listeners with this codec and rate, created on first use.
    fn group_for(&mut self, codec: CodecKey, rate: u32) -> GroupId {
        if let Some(g) = self
            .groups
            .iter_mut()
            .find(|g| g.codec == codec && g.rate == rate)
        {
            g.used = true;
            return g.id;
        }
        let id = GroupId(u32::try_from(self.groups.len()).unwrap_or(u32::MAX));
        let from_mix = (rate != self.rate).then(|| (self.factory)(self.rate, rate));
        self.groups.push(Group {
            id,
            codec,
            rate,
            from_mix,
            used: true,
        });
        id
    }

    /// Renders the shared frame of every group in use: the clamped sum of all speakers.
    fn render_groups(&mut self) {
        let silent = self.output.speakers.is_empty();
        self.scratch.clear();
        self.scratch.extend(self.mix.iter().map(|&m| clamp(m)));
        for g in self.groups.iter_mut().filter(|g| g.used) {
            let mut pcm = self.pool.pop().unwrap_or_default();
            pcm.clear();
            match &mut g.from_mix {
                Some(r) => {
                    self.resampled.clear();
                    r.process(&self.scratch, &mut self.resampled);
                    pcm.extend_from_slice(&self.resampled);
                }
                None => pcm.extend_from_slice(&self.scratch),
            }
            pcm.resize(g.rate as usize / 50, 0);
            self.output.groups.push(SharedFrame {
                id: g.id,
                codec: g.codec,
                rate: g.rate,
                pcm,
                silent,
            });
        }
    }

    /// Clears the previous output, keeping its sample buffers for reuse.
    fn recycle_output(&mut self) {
        for (_, out) in self.output.legs.drain(..) {
            if let LegOutput::Own(pcm) = out {
                self.pool.push(pcm);
            }
        }
        for g in self.output.groups.drain(..) {
            self.pool.push(g.pcm);
        }
        self.output.speakers.clear();
    }

    fn make_resamplers(&self, leg: &mut Leg) {
        let rate = leg.config.rate;
        leg.to_mix = (rate != self.rate).then(|| (self.factory)(rate, self.rate));
        leg.from_mix = (rate != self.rate).then(|| (self.factory)(self.rate, rate));
    }

    fn index(&self, id: LegId) -> Result<usize, MixerError> {
        self.legs
            .binary_search_by_key(&id, |l| l.id)
            .map_err(|_| MixerError::UnknownLeg(id))
    }
}

/// Saturates a sum to the 16-bit range.
fn clamp(v: i32) -> i16 {
    v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}
