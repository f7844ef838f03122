//! `board-pcie`: finding a board behind PCIe.
//!
//! A board URI `pcie:DDDD:BB:DD.F` names a device by its PCI address; an
//! optional `@VVVV:DDDD` adds the vendor and device id it must have
//! (`pcie:0000:01:00.0@1af4:1110`). [`discover`] looks the device up in
//! sysfs (a root directory is passed in, so tests use a fake tree) and
//! reports what the host offers: its BARs, its IOMMU group (needed for
//! VFIO), its driver. Every failure says what to do. Mapping the BAR
//! (VFIO or sysfs `resourceN`) builds on this.
#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};

/// A PCI address: domain, bus, device, function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bdf {
    /// Domain (16 bits).
    pub domain: u16,
    /// Bus.
    pub bus: u8,
    /// Device (0..=31).
    pub device: u8,
    /// Function (0..=7).
    pub function: u8,
}

impl fmt::Display for Bdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.device, self.function
        )
    }
}

/// Errors of PCIe discovery, each with the fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PcieError {
    /// The URI is malformed.
    #[error(
        "`{uri}` is not a PCIe board URI: {why}; write pcie:DDDD:BB:DD.F (e.g. pcie:0000:01:00.0), optionally @VVVV:DDDD for the vendor and device id"
    )]
    BadUri {
        /// The URI.
        uri: String,
        /// What is wrong.
        why: String,
    },
    /// No device at that address.
    #[error(
        "no PCI device at {bdf}; devices present: {present}. Check the address with `lspci -D`; after reprogramming an FPGA, rescan the bus (`echo 1 > /sys/bus/pci/rescan`)"
    )]
    NoDevice {
        /// The address.
        bdf: Bdf,
        /// What sysfs lists instead.
        present: String,
    },
    /// The device has other ids than expected.
    #[error(
        "the device at {bdf} is {actual_vendor:04x}:{actual_device:04x}, expected {vendor:04x}:{device:04x}; check the address (`lspci -D -nn`)"
    )]
    WrongIds {
        /// The address.
        bdf: Bdf,
        /// Expected vendor.
        vendor: u16,
        /// Expected device.
        device: u16,
        /// Actual vendor.
        actual_vendor: u16,
        /// Actual device.
        actual_device: u16,
    },
    /// The device has no IOMMU group, so VFIO cannot drive it.
    #[error(
        "{bdf} has no IOMMU group, so VFIO cannot be used: enable the IOMMU (intel_iommu=on or amd_iommu=on on the kernel command line, VT-d/AMD-Vi in the firmware), or use the sysfs path (needs root)"
    )]
    NoIommu {
        /// The address.
        bdf: Bdf,
    },
    /// Access to the device's files was refused.
    #[error(
        "no permission to access {path}: run as root, or bind the device to vfio-pci and give your user the /dev/vfio/GROUP device (udev rule)"
    )]
    NoPermission {
        /// The file.
        path: String,
    },
    /// The registers read all ones.
    #[error(
        "the board's registers read all ones: the PCIe link is down (typically after reprogramming the FPGA). Rescan the bus (`echo 1 > /sys/bus/pci/rescan`), or reboot the host"
    )]
    LinkDown,
    /// A sysfs file could not be read or parsed.
    #[error("{path}: {why}")]
    Sysfs {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

/// A board URI for PCIe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcieUri {
    /// The device address.
    pub bdf: Bdf,
    /// Vendor and device id the device must have.
    pub ids: Option<(u16, u16)>,
}

fn hex<T: TryFrom<u64>>(s: &str, digits: usize, what: &str, max: u64) -> Result<T, String> {
    if s.is_empty() || s.len() > digits || !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("{what} `{s}` is not {digits} hex digits"));
    }
    let v = u64::from_str_radix(s, 16).map_err(|e| e.to_string())?;
    if v > max {
        return Err(format!("{what} {v:#x} is above {max:#x}"));
    }
    T::try_from(v).map_err(|_| format!("{what} out of range"))
}

impl PcieUri {
    /// Parses `pcie:DDDD:BB:DD.F[@VVVV:DDDD]`.
    pub fn parse(uri: &str) -> Result<Self, PcieError> {
        let bad = |why: String| PcieError::BadUri {
            uri: uri.to_owned(),
            why,
        };
        let rest = uri
            .strip_prefix("pcie:")
            .ok_or_else(|| bad("it does not start with `pcie:`".into()))?;
        let (addr, ids) = match rest.split_once('@') {
            Some((a, i)) => (a, Some(i)),
            None => (rest, None),
        };
        let parts: Vec<&str> = addr.split(':').collect();
        let [dom, bus, devfn] = parts[..] else {
            return Err(bad(format!(
                "the address `{addr}` needs domain:bus:device.function"
            )));
        };
        let (dev, func) = devfn
            .split_once('.')
            .ok_or_else(|| bad(format!("`{devfn}` needs device.function")))?;
        let bdf = Bdf {
            domain: hex(dom, 4, "domain", 0xFFFF).map_err(bad)?,
            bus: hex(bus, 2, "bus", 0xFF).map_err(bad)?,
            device: hex(dev, 2, "device", 0x1F).map_err(bad)?,
            function: hex(func, 1, "function", 7).map_err(bad)?,
        };
        let ids = match ids {
            None => None,
            Some(i) => {
                let (v, d) = i
                    .split_once(':')
                    .ok_or_else(|| bad(format!("ids `{i}` need VVVV:DDDD")))?;
                Some((
                    hex(v, 4, "vendor id", 0xFFFF).map_err(bad)?,
                    hex(d, 4, "device id", 0xFFFF).map_err(bad)?,
                ))
            }
        };
        Ok(Self { bdf, ids })
    }
}

/// A memory BAR of a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    /// BAR index (the N of `resourceN`).
    pub index: usize,
    /// Physical start address.
    pub start: u64,
    /// Size in bytes.
    pub size: u64,
}

/// What sysfs says about a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcieDevice {
    /// Its address.
    pub bdf: Bdf,
    /// Vendor id.
    pub vendor: u16,
    /// Device id.
    pub device: u16,
    /// Its memory BARs (size > 0).
    pub bars: Vec<Bar>,
    /// Its IOMMU group, if any (VFIO needs one).
    pub iommu_group: Option<u32>,
    /// The bound driver, if any.
    pub driver: Option<String>,
    /// The device's sysfs directory.
    pub dir: PathBuf,
}

fn read_sysfs(path: &Path) -> Result<String, PcieError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                PcieError::NoPermission {
                    path: path.display().to_string(),
                }
            } else {
                PcieError::Sysfs {
                    path: path.display().to_string(),
                    why: e.to_string(),
                }
            }
        })
}

fn read_id(path: &Path) -> Result<u16, PcieError> {
    let s = read_sysfs(path)?;
    u16::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|_| PcieError::Sysfs {
        path: path.display().to_string(),
        why: format!("`{s}` is not a hex id"),
    })
}

/// Parses sysfs `resource`: one line per BAR, `start end flags` in hex.
pub fn parse_resource(text: &str) -> Vec<Bar> {
    let mut bars = Vec::new();
    for (index, line) in text.lines().enumerate().take(6) {
        let nums: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| u64::from_str_radix(w.trim_start_matches("0x"), 16).ok())
            .collect();
        if let [start, end, _flags] = nums[..]
            && end > start
        {
            bars.push(Bar {
                index,
                start,
                size: end - start + 1,
            });
        }
    }
    bars
}

/// Lists the addresses of every PCI device under `sysfs` (`/sys` normally).
pub fn list(sysfs: &Path) -> Vec<Bdf> {
    let dir = sysfs.join("bus/pci/devices");
    let mut v: Vec<Bdf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| {
                PcieUri::parse(&format!("pcie:{}", e.ok()?.file_name().to_str()?)).ok()
            })
            .map(|u| u.bdf)
            .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Finds the device `uri` names under `sysfs` and checks its ids.
pub fn discover(sysfs: &Path, uri: &PcieUri) -> Result<PcieDevice, PcieError> {
    let dir = sysfs.join("bus/pci/devices").join(uri.bdf.to_string());
    if !dir.exists() {
        let present: Vec<String> = list(sysfs).iter().map(ToString::to_string).collect();
        let present = if present.is_empty() {
            "none".to_owned()
        } else {
            present.join(", ")
        };
        return Err(PcieError::NoDevice {
            bdf: uri.bdf,
            present,
        });
    }
    let vendor = read_id(&dir.join("vendor"))?;
    let device = read_id(&dir.join("device"))?;
    if let Some((v, d)) = uri.ids
        && (v, d) != (vendor, device)
    {
        return Err(PcieError::WrongIds {
            bdf: uri.bdf,
            vendor: v,
            device: d,
            actual_vendor: vendor,
            actual_device: device,
        });
    }
    let bars = parse_resource(&read_sysfs(&dir.join("resource"))?);
    let link_name = |p: PathBuf| {
        std::fs::read_link(p)
            .ok()
            .and_then(|l| l.file_name()?.to_str().map(str::to_owned))
    };
    let iommu_group = link_name(dir.join("iommu_group")).and_then(|g| g.parse().ok());
    let driver = link_name(dir.join("driver"));
    Ok(PcieDevice {
        bdf: uri.bdf,
        vendor,
        device,
        bars,
        iommu_group,
        driver,
        dir,
    })
}

impl PcieDevice {
    /// Checks that VFIO can drive the device (it needs an IOMMU group).
    pub fn require_vfio(&self) -> Result<u32, PcieError> {
        self.iommu_group.ok_or(PcieError::NoIommu { bdf: self.bdf })
    }

    /// The sysfs file that maps BAR `index` (`resourceN`).
    pub fn resource_file(&self, index: usize) -> PathBuf {
        self.dir.join(format!("resource{index}"))
    }
}

/// Checks the first word read through a freshly mapped BAR.
pub fn check_link(first_word: u64) -> Result<(), PcieError> {
    if first_word == u64::MAX {
        Err(PcieError::LinkDown)
    } else {
        Ok(())
    }
}
