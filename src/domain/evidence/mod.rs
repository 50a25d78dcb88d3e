//! The evidence trail of a seizure: how a parcel was inspected, what was
//! seized and sampled (exhibits) and who held it (custody), what the
//! laboratory found, the photos and documents that prove it, and how a
//! controlled delivery ended.

pub mod custody;
pub mod delivery;
pub mod document;
pub mod exhibit;
pub mod inspection;
pub mod lab;

pub use custody::Custody;
pub use delivery::Delivery;
pub use document::Document;
pub use exhibit::Exhibit;
pub use inspection::Inspection;
pub use lab::LabResult;

/// The record boilerplate every evidence kind shares.
macro_rules! meta_access {
    () => {
        fn meta(&self) -> &crate::domain::Meta {
            &self.meta
        }
        fn meta_mut(&mut self) -> &mut crate::domain::Meta {
            &mut self.meta
        }
    };
}
pub(crate) use meta_access;
