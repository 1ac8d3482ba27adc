//! Customer value (PRODUCT.md §3): ABC / 80-20, RFM, the BG/NBD purchase model, the
//! Gamma-Gamma spend model and lifetime value, with the numerics they need. Pure functions of
//! the figures they are given; the store computes the figures from orders.

pub mod abc;
pub mod assess;
pub mod bgnbd;
pub mod clv;
pub mod fields;
pub mod gamma_gamma;
pub mod nonmonetary;
pub mod numeric;
pub mod rfm;
pub mod settings;
pub mod sim;

pub use abc::AbcClass;
pub use assess::{
    AssessConfig, Assessment, Basis, CustomerValue, Day, History, HoldoutRow, KindFit, Period, Purchases, Summary,
    WindowSums, assess, holdout, summarize,
};
pub use bgnbd::{BgNbd, BgNbdFit, FitError, RepeatHistory};
pub use gamma_gamma::{GammaGamma, GammaGammaFit, SpendHistory};
pub use rfm::{RfmInput, RfmScore, RfmSegment};
pub use settings::{Approach, ServiceLevel, TierRule, TimeUnit, ValueSettings};
