"""Product catalog taxonomy: the category tree and per-leaf realism parameters.

Pure data plus tiny helpers; no I/O. The vectorized catalog generator indexes into the pools below with
numpy (never per-row Python calls), so everything here is an immutable tuple in a deterministic order:

* ``CATEGORIES`` is the whole tree, parents before children (pre-order), 2 to 3 levels deep.
* ``LEAVES`` holds one :class:`LeafProfile` per leaf category, in the order the leaves appear in
  ``CATEGORIES``; ``leaf_weights()`` is their product share as a float64 array summing to 1.
* ``BRAND_SUFFIXES`` maps each ``brand_style`` to suffixes used to compose brand names.

Prices are list prices in USD (median of a log-normal with the given sigma); return rates are shares of
delivered items returned, in line with published US e-commerce figures per vertical.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Category:
    key: str  # stable slug path, e.g. "apparel/women/dresses"; unique
    name: str  # display name, e.g. "Dresses"
    parent_key: str | None  # None at the root
    level: int  # 1 = root, 2, 3


@dataclass(frozen=True, slots=True)
class LeafProfile:
    key: str  # key of a leaf Category
    weight: float  # share of the catalog's products in this leaf (weights over all leaves sum to 1)
    price_median_usd: float  # median list price in USD
    price_sigma: float  # log-normal sigma of the price (0.3 .. 0.9)
    cost_ratio: tuple[float, float]  # (low, high) cost/price ratio, both in (0.2, 0.9), low < high
    return_rate: float  # share of delivered items returned
    nouns: tuple[str, ...]  # product nouns, at least 6
    adjectives: tuple[str, ...]  # at least 6, fitting the category
    sizes: tuple[str, ...]  # () where size does not fit
    colors: tuple[str, ...]  # () where color does not fit, else at least 6
    materials: tuple[str, ...]  # () where it does not fit, else at least 3
    brand_style: str  # "fashion","tech","home","beauty","sport","food","kids","luxury","pet","books"
    season: str  # "none","summer","winter","holiday"


# --------------------------------------------------------------------------------------------------------
# Shared pools
# --------------------------------------------------------------------------------------------------------

_SIZES_WOMEN = ("XS", "S", "M", "L", "XL", "XXL")
_SIZES_MEN = ("S", "M", "L", "XL", "XXL", "3XL")
_SIZES_WAIST_WOMEN = ("24", "25", "26", "27", "28", "29", "30", "31", "32")
_SIZES_WAIST_MEN = ("28", "29", "30", "31", "32", "33", "34", "36", "38", "40")
_SIZES_KIDS = ("2T", "3T", "4T", "5", "6", "7", "8", "10", "12", "14")
_SIZES_SHOES = tuple(str(eu) for eu in range(36, 47))  # EU 36 .. 46
_SIZES_SHOES_KIDS = tuple(str(eu) for eu in range(24, 36))  # EU 24 .. 35
_SIZES_BED = ("Twin", "Twin XL", "Full", "Queen", "King", "California King")
_SIZES_PET = ("XS", "S", "M", "L", "XL")

_COLORS_APPAREL = ("Black", "White", "Navy", "Heather Gray", "Olive", "Burgundy", "Camel", "Dusty Rose")
_COLORS_DENIM = ("Light Wash", "Medium Wash", "Dark Wash", "Black", "Gray", "White")
_COLORS_OUTERWEAR = ("Black", "Navy", "Camel", "Charcoal", "Olive", "Burgundy", "Forest Green")
_COLORS_SWIM = ("Black", "Coral", "Turquoise", "Navy", "Tropical Print", "Red", "White", "Cobalt")
_COLORS_ACTIVE = ("Black", "Charcoal", "Navy", "Electric Blue", "Neon Green", "Berry", "Slate")
_COLORS_KIDS = ("Red", "Royal Blue", "Yellow", "Pink", "Lavender", "Mint", "Navy", "Orange")
_COLORS_SHOES = ("Black", "White", "Brown", "Tan", "Navy", "Gray", "Cognac")
_COLORS_TECH = ("Black", "White", "Silver", "Space Gray", "Midnight Blue", "Graphite")
_COLORS_HOME = ("White", "Ivory", "Charcoal", "Sage", "Navy", "Terracotta", "Natural", "Blush")
_COLORS_MAKEUP = ("Nude", "Rose", "Berry", "Coral", "Classic Red", "Mauve", "Plum", "Peach")
_COLORS_GEAR = ("Black", "Red", "Blue", "Orange", "Forest Green", "Gray", "Yellow")
_COLORS_METAL = ("Yellow Gold", "White Gold", "Rose Gold", "Silver", "Black", "Two-Tone")
_COLORS_WATCH = ("Black", "Silver", "Gold", "Rose Gold", "Blue", "Green", "White")
_COLORS_PET = ("Red", "Blue", "Black", "Pink", "Green", "Orange", "Gray")

_ACTIVEWEAR_MATERIALS = ("Polyester", "Nylon", "Spandex", "Merino Wool", "Recycled Polyester")
_DENIM_MATERIALS = ("Denim", "Stretch Denim", "Organic Cotton Denim", "Selvedge Denim")
_OUTERWEAR_MATERIALS = ("Wool", "Down", "Leather", "Nylon", "Cotton Twill", "Fleece")
_KIDS_MATERIALS = ("Cotton", "Organic Cotton", "Jersey", "Fleece", "Denim")

_TOYS_COST = (0.48, 0.62)
_APPAREL_COST = (0.28, 0.45)
_FOOTWEAR_COST = (0.40, 0.55)

# Display names of the inner (non-leaf) nodes, keyed by their slug path.
_BRANCH_NAMES: dict[str, str] = {
    "apparel": "Apparel",
    "apparel/women": "Women",
    "apparel/men": "Men",
    "apparel/kids": "Kids",
    "footwear": "Footwear",
    "electronics": "Electronics",
    "electronics/phones": "Phones & Accessories",
    "electronics/computers": "Computers",
    "electronics/audio": "Audio",
    "home-kitchen": "Home & Kitchen",
    "home-kitchen/furniture": "Furniture",
    "home-kitchen/kitchen": "Kitchen",
    "home-kitchen/bedding": "Bedding",
    "beauty": "Beauty & Personal Care",
    "sports-outdoors": "Sports & Outdoors",
    "toys-games": "Toys & Games",
    "books": "Books",
    "jewelry-watches": "Jewelry & Watches",
    "pet-supplies": "Pet Supplies",
    "grocery": "Grocery & Gourmet",
}


def _leaf(
    key: str,
    name: str,
    *,
    permille: int,
    price: float,
    sigma: float,
    cost: tuple[float, float],
    returns: float,
    style: str,
    nouns: tuple[str, ...],
    adjectives: tuple[str, ...],
    sizes: tuple[str, ...] = (),
    colors: tuple[str, ...] = (),
    materials: tuple[str, ...] = (),
    season: str = "none",
) -> tuple[str, LeafProfile]:
    """One leaf: its display name and profile. Weights are given in per-mille so they sum to 1 exactly."""
    profile = LeafProfile(
        key=key,
        weight=permille / 1000.0,
        price_median_usd=float(price),
        price_sigma=sigma,
        cost_ratio=cost,
        return_rate=returns,
        nouns=nouns,
        adjectives=adjectives,
        sizes=sizes,
        colors=colors,
        materials=materials,
        brand_style=style,
        season=season,
    )
    return name, profile


# --------------------------------------------------------------------------------------------------------
# Leaves, grouped by subtree (this order defines CATEGORIES and LEAVES)
# --------------------------------------------------------------------------------------------------------

# fmt: off
_LEAF_SPECS: tuple[tuple[str, LeafProfile], ...] = (
    # ---- Apparel (28.8%) -------------------------------------------------------------------------------
    _leaf(
        "apparel/women/dresses", "Dresses",
        permille=35, price=60, sigma=0.55, cost=_APPAREL_COST, returns=0.30, style="fashion",
        nouns=("Wrap Dress", "Maxi Dress", "Shirt Dress", "Midi Dress", "Slip Dress", "Sundress",
               "Sweater Dress", "Cocktail Dress"),
        adjectives=("Flowy", "Tailored", "Relaxed", "Ruched", "Tiered", "Belted", "Pleated", "Smocked"),
        sizes=_SIZES_WOMEN, colors=_COLORS_APPAREL,
        materials=("Cotton", "Linen", "Silk", "Viscose", "Chiffon", "Jersey"),
    ),
    _leaf(
        "apparel/women/tops", "Tops",
        permille=40, price=32, sigma=0.5, cost=_APPAREL_COST, returns=0.24, style="fashion",
        nouns=("Blouse", "Tank Top", "Crew Tee", "Cardigan", "Camisole", "Button-Down Shirt", "Peplum Top",
               "Sweater"),
        adjectives=("Cropped", "Oversized", "Fitted", "Ribbed", "Sheer", "Puff-Sleeve", "Boxy", "Draped"),
        sizes=_SIZES_WOMEN, colors=_COLORS_APPAREL,
        materials=("Cotton", "Linen", "Silk", "Modal", "Jersey", "Rayon"),
    ),
    _leaf(
        "apparel/women/jeans", "Jeans",
        permille=25, price=70, sigma=0.45, cost=_APPAREL_COST, returns=0.30, style="fashion",
        nouns=("Skinny Jeans", "Straight Jeans", "Wide-Leg Jeans", "Bootcut Jeans", "Mom Jeans",
               "Flare Jeans", "Boyfriend Jeans"),
        adjectives=("High-Rise", "Mid-Rise", "Distressed", "Vintage", "Stretch", "Raw-Hem", "Slim"),
        sizes=_SIZES_WAIST_WOMEN, colors=_COLORS_DENIM, materials=_DENIM_MATERIALS,
    ),
    _leaf(
        "apparel/women/outerwear", "Outerwear",
        permille=18, price=150, sigma=0.6, cost=(0.32, 0.50), returns=0.22, style="fashion", season="winter",
        nouns=("Trench Coat", "Puffer Jacket", "Wool Coat", "Denim Jacket", "Leather Jacket", "Parka",
               "Blazer"),
        adjectives=("Double-Breasted", "Quilted", "Hooded", "Belted", "Cropped", "Longline", "Insulated"),
        sizes=_SIZES_WOMEN, colors=_COLORS_OUTERWEAR, materials=_OUTERWEAR_MATERIALS,
    ),
    _leaf(
        "apparel/women/swimwear", "Swimwear",
        permille=12, price=45, sigma=0.45, cost=_APPAREL_COST, returns=0.20, style="fashion", season="summer",
        nouns=("One-Piece Swimsuit", "Bikini Top", "Bikini Bottom", "Tankini", "Cover-Up", "Swim Dress",
               "Rash Guard"),
        adjectives=("High-Waisted", "Ruffled", "Cutout", "Halter", "Underwire", "Reversible", "Retro"),
        sizes=("XS", "S", "M", "L", "XL"), colors=_COLORS_SWIM,
        materials=("Nylon", "Recycled Nylon", "Polyester", "Spandex"),
    ),
    _leaf(
        "apparel/women/activewear", "Activewear",
        permille=22, price=45, sigma=0.45, cost=_APPAREL_COST, returns=0.22, style="sport",
        nouns=("Leggings", "Sports Bra", "Yoga Pants", "Running Shorts", "Track Jacket", "Tank", "Joggers"),
        adjectives=("Seamless", "Moisture-Wicking", "High-Support", "Breathable", "Compression",
                    "Lightweight", "Sculpting"),
        sizes=_SIZES_WOMEN, colors=_COLORS_ACTIVE, materials=_ACTIVEWEAR_MATERIALS,
    ),
    _leaf(
        "apparel/men/shirts", "Shirts",
        permille=28, price=45, sigma=0.45, cost=_APPAREL_COST, returns=0.24, style="fashion",
        nouns=("Oxford Shirt", "Dress Shirt", "Polo Shirt", "Flannel Shirt", "Henley", "Crew Tee",
               "Camp Shirt", "Overshirt"),
        adjectives=("Slim-Fit", "Classic-Fit", "Short-Sleeve", "Long-Sleeve", "Garment-Dyed", "Wrinkle-Free",
                    "Striped"),
        sizes=_SIZES_MEN, colors=_COLORS_APPAREL,
        materials=("Cotton", "Oxford Cotton", "Linen", "Flannel", "Poplin", "Chambray"),
    ),
    _leaf(
        "apparel/men/jeans", "Jeans",
        permille=18, price=70, sigma=0.45, cost=_APPAREL_COST, returns=0.28, style="fashion",
        nouns=("Slim Jeans", "Straight Jeans", "Relaxed Jeans", "Tapered Jeans", "Bootcut Jeans",
               "Carpenter Jeans"),
        adjectives=("Athletic-Fit", "Stretch", "Rinsed", "Distressed", "Vintage", "Selvedge", "Classic"),
        sizes=_SIZES_WAIST_MEN, colors=_COLORS_DENIM, materials=_DENIM_MATERIALS,
    ),
    _leaf(
        "apparel/men/outerwear", "Outerwear",
        permille=14, price=160, sigma=0.6, cost=(0.32, 0.50), returns=0.20, style="fashion", season="winter",
        nouns=("Bomber Jacket", "Parka", "Peacoat", "Puffer Jacket", "Field Jacket", "Overcoat",
               "Rain Jacket", "Vest"),
        adjectives=("Waterproof", "Insulated", "Quilted", "Hooded", "Packable", "Heritage",
                    "Shearling-Lined"),
        sizes=_SIZES_MEN, colors=_COLORS_OUTERWEAR, materials=_OUTERWEAR_MATERIALS,
    ),
    _leaf(
        "apparel/men/activewear", "Activewear",
        permille=14, price=40, sigma=0.45, cost=_APPAREL_COST, returns=0.20, style="sport",
        nouns=("Training Shorts", "Performance Tee", "Joggers", "Quarter-Zip", "Track Pants", "Base Layer",
               "Running Tights"),
        adjectives=("Quick-Dry", "Moisture-Wicking", "Lightweight", "Stretch", "Breathable", "Thermal",
                    "Reflective"),
        sizes=_SIZES_MEN, colors=_COLORS_ACTIVE, materials=_ACTIVEWEAR_MATERIALS,
    ),
    _leaf(
        "apparel/men/socks-underwear", "Socks & Underwear",
        permille=20, price=12, sigma=0.4, cost=(0.25, 0.40), returns=0.10, style="fashion",
        nouns=("Crew Socks", "Ankle Socks", "Boxer Briefs", "Boxers", "Undershirt", "Dress Socks",
               "No-Show Socks"),
        adjectives=("Cushioned", "Everyday", "Breathable", "Soft", "Ribbed", "Patterned", "Stretch"),
        sizes=("S", "M", "L", "XL"), colors=("Black", "White", "Navy", "Gray", "Charcoal", "Brown"),
        materials=("Cotton", "Merino Wool", "Bamboo", "Modal"),
    ),
    _leaf(
        "apparel/kids/girls", "Girls' Clothing",
        permille=22, price=22, sigma=0.45, cost=(0.30, 0.45), returns=0.18, style="kids",
        nouns=("Dress", "Leggings", "Graphic Tee", "Hoodie", "Skirt", "Pajama Set", "Cardigan", "Romper"),
        adjectives=("Sparkly", "Floral", "Rainbow", "Ruffled", "Cozy", "Playful", "Striped"),
        sizes=_SIZES_KIDS, colors=_COLORS_KIDS, materials=_KIDS_MATERIALS,
    ),
    _leaf(
        "apparel/kids/boys", "Boys' Clothing",
        permille=20, price=22, sigma=0.45, cost=(0.30, 0.45), returns=0.18, style="kids",
        nouns=("Graphic Tee", "Shorts", "Hoodie", "Joggers", "Pajama Set", "Polo Shirt", "Cargo Pants",
               "Jacket"),
        adjectives=("Dinosaur", "Camo", "Striped", "Cozy", "Sporty", "Adventure", "Rugged"),
        sizes=_SIZES_KIDS, colors=_COLORS_KIDS, materials=_KIDS_MATERIALS,
    ),
    # ---- Footwear (8.2%) -------------------------------------------------------------------------------
    _leaf(
        "footwear/sneakers", "Sneakers",
        permille=30, price=85, sigma=0.4, cost=_FOOTWEAR_COST, returns=0.28, style="sport",
        nouns=("Running Shoe", "Court Sneaker", "Slip-On Sneaker", "High-Top Sneaker", "Trail Runner",
               "Training Shoe", "Walking Shoe"),
        adjectives=("Lightweight", "Cushioned", "Retro", "Minimalist", "Knit", "Platform", "Classic"),
        sizes=_SIZES_SHOES, colors=_COLORS_SHOES,
        materials=("Leather", "Suede", "Canvas", "Knit Mesh", "Synthetic"),
    ),
    _leaf(
        "footwear/boots", "Boots",
        permille=18, price=130, sigma=0.5, cost=_FOOTWEAR_COST, returns=0.30, style="fashion",
        season="winter",
        nouns=("Chelsea Boot", "Ankle Boot", "Hiking Boot", "Combat Boot", "Knee-High Boot", "Snow Boot",
               "Chukka Boot", "Work Boot"),
        adjectives=("Waterproof", "Lug-Sole", "Lace-Up", "Side-Zip", "Insulated", "Rugged", "Heeled"),
        sizes=_SIZES_SHOES, colors=_COLORS_SHOES,
        materials=("Leather", "Suede", "Nubuck", "Rubber", "Shearling"),
    ),
    _leaf(
        "footwear/sandals", "Sandals",
        permille=14, price=45, sigma=0.45, cost=_FOOTWEAR_COST, returns=0.25, style="fashion",
        season="summer",
        nouns=("Slide Sandal", "Flip-Flop", "Espadrille", "Gladiator Sandal", "Sport Sandal",
               "Platform Sandal", "Wedge Sandal"),
        adjectives=("Strappy", "Cushioned", "Woven", "Braided", "Adjustable", "Lightweight", "Flat"),
        sizes=_SIZES_SHOES, colors=_COLORS_SHOES,
        materials=("Leather", "Cork", "Rubber", "EVA Foam", "Suede"),
    ),
    _leaf(
        "footwear/dress-shoes", "Dress Shoes",
        permille=12, price=110, sigma=0.5, cost=_FOOTWEAR_COST, returns=0.30, style="fashion",
        nouns=("Oxford", "Loafer", "Derby", "Pump", "Monk Strap", "Ballet Flat", "Brogue", "Mule"),
        adjectives=("Polished", "Classic", "Pointed-Toe", "Penny", "Tassel", "Block-Heel", "Cap-Toe"),
        sizes=_SIZES_SHOES, colors=_COLORS_SHOES,
        materials=("Calfskin Leather", "Patent Leather", "Suede", "Nubuck"),
    ),
    _leaf(
        "footwear/kids-shoes", "Kids' Shoes",
        permille=8, price=40, sigma=0.4, cost=_FOOTWEAR_COST, returns=0.22, style="kids",
        nouns=("Light-Up Sneaker", "Rain Boot", "Velcro Sneaker", "Sandal", "School Shoe", "Slip-On",
               "Snow Boot"),
        adjectives=("Easy-On", "Glow", "Washable", "Durable", "Bright", "Non-Slip", "Playful"),
        sizes=_SIZES_SHOES_KIDS, colors=_COLORS_KIDS,
        materials=("Canvas", "Mesh", "Leather", "Rubber", "Synthetic"),
    ),
    # ---- Electronics (12%) -----------------------------------------------------------------------------
    _leaf(
        "electronics/phones/smartphones", "Smartphones",
        permille=10, price=600, sigma=0.6, cost=(0.72, 0.86), returns=0.08, style="tech",
        nouns=("Smartphone", "5G Phone", "Foldable Phone", "Compact Phone", "Camera Phone", "Rugged Phone"),
        adjectives=("Unlocked", "Flagship", "Pro", "Ultra", "Lite", "Dual-SIM", "Refurbished"),
        colors=_COLORS_TECH,
    ),
    _leaf(
        "electronics/phones/accessories", "Phone Accessories",
        permille=26, price=20, sigma=0.6, cost=(0.22, 0.40), returns=0.10, style="tech",
        nouns=("Phone Case", "Screen Protector", "Wireless Charger", "USB-C Cable", "Car Mount", "Power Bank",
               "MagSafe Wallet", "Wall Charger"),
        adjectives=("Slim", "Shockproof", "Fast-Charging", "Magnetic", "Braided", "Clear", "Rugged"),
        colors=_COLORS_TECH,
        materials=("Silicone", "Leather", "TPU", "Polycarbonate", "Tempered Glass"),
    ),
    _leaf(
        "electronics/computers/laptops", "Laptops",
        permille=10, price=900, sigma=0.5, cost=(0.72, 0.86), returns=0.10, style="tech",
        nouns=("Laptop", "Ultrabook", "Gaming Laptop", "2-in-1 Laptop", "Chromebook", "Workstation Laptop",
               "Notebook"),
        adjectives=("Thin", "Lightweight", "Pro", "Performance", "Touchscreen", "Business", "Creator"),
        colors=_COLORS_TECH,
        materials=("Aluminum", "Magnesium Alloy", "Polycarbonate"),
    ),
    _leaf(
        "electronics/computers/monitors", "Monitors",
        permille=6, price=250, sigma=0.5, cost=(0.65, 0.80), returns=0.09, style="tech",
        nouns=("Monitor", "Gaming Monitor", "Ultrawide Monitor", "Curved Monitor", "Portable Monitor",
               "4K Display"),
        adjectives=("27-Inch", "32-Inch", "24-Inch", "High-Refresh", "IPS", "Frameless", "HDR"),
    ),
    _leaf(
        "electronics/computers/accessories", "Computer Accessories",
        permille=20, price=35, sigma=0.7, cost=(0.30, 0.50), returns=0.11, style="tech",
        nouns=("Wireless Mouse", "Mechanical Keyboard", "USB-C Hub", "Laptop Stand", "Webcam",
               "External SSD", "Mouse Pad", "Laptop Sleeve"),
        adjectives=("Ergonomic", "Wireless", "Compact", "Backlit", "Portable", "Low-Profile", "Bluetooth"),
        colors=_COLORS_TECH,
    ),
    _leaf(
        "electronics/audio/headphones", "Headphones",
        permille=18, price=120, sigma=0.8, cost=(0.45, 0.65), returns=0.12, style="tech",
        nouns=("Over-Ear Headphones", "Wireless Earbuds", "On-Ear Headphones", "Sport Earbuds",
               "Studio Headphones", "Gaming Headset", "Bone-Conduction Headphones"),
        adjectives=("Noise-Cancelling", "True Wireless", "Hi-Fi", "Foldable", "Sweatproof", "Studio-Grade",
                    "Bluetooth"),
        colors=_COLORS_TECH,
    ),
    _leaf(
        "electronics/audio/speakers", "Speakers",
        permille=10, price=90, sigma=0.7, cost=(0.45, 0.65), returns=0.10, style="tech",
        nouns=("Bluetooth Speaker", "Soundbar", "Bookshelf Speakers", "Smart Speaker", "Party Speaker",
               "Subwoofer", "Portable Speaker"),
        adjectives=("Waterproof", "Wireless", "Rugged", "360-Degree", "Compact", "Powered", "Hi-Fi"),
        colors=_COLORS_TECH,
    ),
    _leaf(
        "electronics/cameras", "Cameras",
        permille=6, price=650, sigma=0.7, cost=(0.68, 0.82), returns=0.08, style="tech",
        nouns=("Mirrorless Camera", "DSLR Camera", "Action Camera", "Instant Camera", "Compact Camera",
               "Camera Lens", "Camera Drone"),
        adjectives=("Full-Frame", "4K", "Waterproof", "Vlogging", "Professional", "Compact", "Stabilized"),
    ),
    _leaf(
        "electronics/smart-home", "Smart Home",
        permille=14, price=60, sigma=0.7, cost=(0.50, 0.70), returns=0.11, style="tech",
        nouns=("Smart Plug", "Video Doorbell", "Smart Thermostat", "Security Camera", "Smart Bulb",
               "Smart Lock", "Smart Display", "Mesh Wi-Fi System"),
        adjectives=("Wi-Fi", "Voice-Controlled", "Motion-Sensing", "Energy-Saving", "Battery-Powered",
                    "Outdoor", "App-Controlled"),
    ),
    # ---- Home & Kitchen (18%) --------------------------------------------------------------------------
    _leaf(
        "home-kitchen/furniture/sofas", "Sofas",
        permille=14, price=800, sigma=0.6, cost=(0.42, 0.58), returns=0.06, style="home",
        nouns=("Sofa", "Sectional", "Loveseat", "Sleeper Sofa", "Chaise Sofa", "Modular Sofa"),
        adjectives=("Mid-Century", "Tufted", "Deep-Seat", "Track-Arm", "Reclining", "Convertible",
                    "Slipcovered"),
        colors=_COLORS_HOME,
        materials=("Velvet", "Linen", "Leather", "Performance Fabric", "Boucle", "Microfiber"),
    ),
    _leaf(
        "home-kitchen/furniture/tables-chairs", "Tables & Chairs",
        permille=20, price=250, sigma=0.7, cost=(0.40, 0.58), returns=0.08, style="home",
        nouns=("Dining Table", "Coffee Table", "Side Table", "Dining Chair", "Accent Chair", "Bar Stool",
               "Desk", "Console Table"),
        adjectives=("Farmhouse", "Mid-Century", "Industrial", "Round", "Extendable", "Scandinavian",
                    "Rustic"),
        colors=("Natural", "Walnut", "Black", "White", "Espresso", "Honey Oak", "Gray"),
        materials=("Solid Oak", "Walnut", "Acacia", "Metal", "Rattan", "Marble"),
    ),
    _leaf(
        "home-kitchen/kitchen/cookware", "Cookware",
        permille=30, price=60, sigma=0.6, cost=(0.35, 0.55), returns=0.08, style="home",
        nouns=("Skillet", "Saucepan", "Dutch Oven", "Stockpot", "Cookware Set", "Saute Pan", "Wok",
               "Grill Pan"),
        adjectives=("Nonstick", "Pre-Seasoned", "Tri-Ply", "Oven-Safe", "Induction-Ready", "Professional",
                    "Everyday"),
        colors=("Black", "Silver", "Red", "Cream", "Navy", "Sage", "Copper"),
        materials=("Stainless Steel", "Cast Iron", "Enameled Cast Iron", "Copper", "Carbon Steel",
                   "Hard-Anodized Aluminum"),
    ),
    _leaf(
        "home-kitchen/kitchen/small-appliances", "Small Appliances",
        permille=22, price=80, sigma=0.6, cost=(0.55, 0.72), returns=0.11, style="home",
        nouns=("Blender", "Coffee Maker", "Air Fryer", "Toaster", "Stand Mixer", "Electric Kettle",
               "Espresso Machine", "Slow Cooker"),
        adjectives=("Programmable", "Compact", "High-Speed", "Digital", "Retro", "Cordless",
                    "Multi-Function"),
        colors=("Black", "White", "Stainless", "Red", "Cream", "Sage", "Matte Gray"),
        materials=("Stainless Steel", "Plastic", "Glass"),
    ),
    _leaf(
        "home-kitchen/bedding/sheets", "Sheets",
        permille=24, price=55, sigma=0.45, cost=(0.30, 0.48), returns=0.10, style="home",
        nouns=("Sheet Set", "Fitted Sheet", "Flat Sheet", "Pillowcase Set", "Duvet Cover", "Bed Skirt"),
        adjectives=("Breathable", "Cooling", "Wrinkle-Resistant", "Deep-Pocket", "Ultra-Soft",
                    "Hemstitched", "Washed"),
        sizes=_SIZES_BED, colors=_COLORS_HOME,
        materials=("Percale Cotton", "Sateen Cotton", "Linen", "Bamboo Lyocell", "Egyptian Cotton",
                   "Flannel"),
    ),
    _leaf(
        "home-kitchen/bedding/comforters", "Comforters & Blankets",
        permille=16, price=90, sigma=0.45, cost=(0.32, 0.50), returns=0.10, style="home", season="winter",
        nouns=("Comforter", "Duvet Insert", "Quilt", "Weighted Blanket", "Down Pillow", "Mattress Topper",
               "Throw Blanket"),
        adjectives=("All-Season", "Lightweight", "Hypoallergenic", "Plush", "Quilted", "Cooling",
                    "Oversized"),
        sizes=_SIZES_BED, colors=_COLORS_HOME,
        materials=("Down", "Down Alternative", "Wool", "Cotton", "Silk"),
    ),
    _leaf(
        "home-kitchen/decor", "Home Decor",
        permille=34, price=35, sigma=0.7, cost=(0.25, 0.45), returns=0.09, style="home",
        nouns=("Throw Pillow", "Vase", "Wall Art", "Mirror", "Area Rug", "Candle", "Picture Frame",
               "Planter"),
        adjectives=("Handmade", "Boho", "Minimalist", "Vintage", "Textured", "Modern", "Woven"),
        colors=_COLORS_HOME,
        materials=("Ceramic", "Glass", "Rattan", "Brass", "Wood", "Marble", "Linen"),
    ),
    _leaf(
        "home-kitchen/lighting", "Lighting",
        permille=20, price=70, sigma=0.6, cost=(0.35, 0.52), returns=0.10, style="home",
        nouns=("Table Lamp", "Floor Lamp", "Pendant Light", "Chandelier", "Wall Sconce", "Desk Lamp",
               "String Lights"),
        adjectives=("Dimmable", "Adjustable", "Arc", "Industrial", "Globe", "Plug-In", "Mid-Century"),
        colors=("Matte Black", "Brass", "White", "Chrome", "Bronze", "Natural", "Opal"),
        materials=("Brass", "Glass", "Ceramic", "Rattan", "Steel", "Linen"),
    ),
    # ---- Beauty & Personal Care (7.5%) -----------------------------------------------------------------
    _leaf(
        "beauty/makeup", "Makeup",
        permille=24, price=20, sigma=0.5, cost=(0.22, 0.35), returns=0.06, style="beauty",
        nouns=("Lipstick", "Mascara", "Foundation", "Eyeshadow Palette", "Lip Gloss", "Blush", "Concealer",
               "Eyeliner"),
        adjectives=("Matte", "Long-Wear", "Satin", "Volumizing", "Waterproof", "Hydrating", "Shimmer"),
        colors=_COLORS_MAKEUP,
    ),
    _leaf(
        "beauty/skincare", "Skincare",
        permille=22, price=28, sigma=0.6, cost=(0.22, 0.38), returns=0.06, style="beauty",
        nouns=("Moisturizer", "Serum", "Cleanser", "Sunscreen", "Eye Cream", "Face Mask", "Toner",
               "Exfoliant"),
        adjectives=("Hydrating", "Brightening", "Gentle", "Fragrance-Free", "Oil-Free", "Overnight",
                    "Firming"),
    ),
    _leaf(
        "beauty/haircare", "Hair Care",
        permille=16, price=16, sigma=0.5, cost=(0.25, 0.40), returns=0.05, style="beauty",
        nouns=("Shampoo", "Conditioner", "Hair Oil", "Dry Shampoo", "Hair Mask", "Styling Cream",
               "Hair Dryer", "Flat Iron"),
        adjectives=("Sulfate-Free", "Nourishing", "Volumizing", "Smoothing", "Curl-Defining", "Repairing",
                    "Clarifying"),
    ),
    _leaf(
        "beauty/fragrance", "Fragrance",
        permille=13, price=75, sigma=0.5, cost=(0.25, 0.40), returns=0.05, style="luxury", season="holiday",
        nouns=("Eau de Parfum", "Eau de Toilette", "Cologne", "Body Mist", "Perfume Oil", "Gift Set"),
        adjectives=("Floral", "Woody", "Citrus", "Amber", "Fresh", "Musky", "Spicy"),
    ),
    # ---- Sports & Outdoors (6%) ------------------------------------------------------------------------
    _leaf(
        "sports-outdoors/fitness", "Exercise & Fitness",
        permille=20, price=60, sigma=0.8, cost=(0.45, 0.62), returns=0.10, style="sport",
        nouns=("Dumbbell Set", "Kettlebell", "Yoga Mat", "Resistance Bands", "Jump Rope", "Foam Roller",
               "Adjustable Bench", "Pull-Up Bar"),
        adjectives=("Adjustable", "Non-Slip", "Heavy-Duty", "Compact", "Extra-Thick", "Portable", "Pro"),
        colors=_COLORS_GEAR,
        materials=("Cast Iron", "Rubber", "Steel", "Neoprene", "Foam"),
    ),
    _leaf(
        "sports-outdoors/camping-hiking", "Camping & Hiking",
        permille=16, price=70, sigma=0.8, cost=(0.45, 0.60), returns=0.10, style="sport", season="summer",
        nouns=("Tent", "Sleeping Bag", "Backpack", "Camp Stove", "Headlamp", "Trekking Poles", "Camp Chair",
               "Water Filter"),
        adjectives=("Ultralight", "Waterproof", "4-Season", "Packable", "Insulated", "Rugged", "Compact"),
        colors=_COLORS_GEAR,
        materials=("Ripstop Nylon", "Polyester", "Aluminum", "Titanium", "Down"),
    ),
    _leaf(
        "sports-outdoors/cycling", "Cycling",
        permille=10, price=90, sigma=0.9, cost=(0.55, 0.72), returns=0.12, style="sport", season="summer",
        nouns=("Road Bike", "Mountain Bike", "Bike Helmet", "Bike Light", "Cycling Jersey", "Bike Lock",
               "Saddle", "Floor Pump"),
        adjectives=("Aero", "Lightweight", "Trail", "Commuter", "Gravel", "Rechargeable", "Carbon"),
        colors=_COLORS_GEAR,
        materials=("Aluminum", "Carbon Fiber", "Steel", "Titanium"),
    ),
    _leaf(
        "sports-outdoors/team-sports", "Team Sports",
        permille=14, price=30, sigma=0.6, cost=(0.45, 0.60), returns=0.08, style="sport",
        nouns=("Soccer Ball", "Basketball", "Baseball Glove", "Football", "Volleyball", "Hockey Stick",
               "Shin Guards", "Tennis Racket"),
        adjectives=("Official-Size", "Training", "Youth", "Pro", "Indoor", "Outdoor", "Match"),
        colors=_COLORS_GEAR,
        materials=("Synthetic Leather", "Rubber", "Leather", "Composite"),
    ),
    # ---- Toys & Games (5%) -----------------------------------------------------------------------------
    _leaf(
        "toys-games/building-sets", "Building Sets",
        permille=16, price=40, sigma=0.7, cost=_TOYS_COST, returns=0.07, style="kids", season="holiday",
        nouns=("Building Set", "Construction Kit", "Magnetic Tiles", "Marble Run", "Robot Kit", "Train Set"),
        adjectives=("Creative", "STEM", "Deluxe", "Starter", "Motorized", "Classic", "Modular"),
        materials=("ABS Plastic", "Wood", "Foam"),
    ),
    _leaf(
        "toys-games/dolls-figures", "Dolls & Action Figures",
        permille=18, price=22, sigma=0.6, cost=_TOYS_COST, returns=0.07, style="kids", season="holiday",
        nouns=("Fashion Doll", "Action Figure", "Baby Doll", "Plush Toy", "Dollhouse", "Playset",
               "Collectible Figure"),
        adjectives=("Poseable", "Talking", "Deluxe", "Mini", "Collectible", "Interactive", "Cuddly"),
        materials=("Vinyl", "Plush", "Plastic"),
    ),
    _leaf(
        "toys-games/board-games-puzzles", "Board Games & Puzzles",
        permille=16, price=28, sigma=0.45, cost=_TOYS_COST, returns=0.05, style="kids", season="holiday",
        nouns=("Board Game", "Jigsaw Puzzle", "Card Game", "Strategy Game", "Party Game", "Trivia Game",
               "Chess Set"),
        adjectives=("Family", "Cooperative", "Classic", "1000-Piece", "Travel", "Deluxe", "Award-Winning"),
    ),
    # ---- Books (4%) ------------------------------------------------------------------------------------
    _leaf(
        "books/fiction", "Fiction",
        permille=18, price=18, sigma=0.35, cost=(0.50, 0.65), returns=0.04, style="books",
        nouns=("Novel", "Thriller", "Mystery", "Fantasy Novel", "Romance Novel", "Science Fiction Novel",
               "Short Story Collection"),
        adjectives=("Bestselling", "Award-Winning", "Gripping", "Epic", "Debut", "Paperback", "Hardcover"),
    ),
    _leaf(
        "books/nonfiction", "Nonfiction",
        permille=14, price=22, sigma=0.4, cost=(0.50, 0.65), returns=0.04, style="books",
        nouns=("Memoir", "Biography", "Cookbook", "Self-Help Book", "History Book", "Travel Guide",
               "Business Book"),
        adjectives=("Bestselling", "Illustrated", "Definitive", "Practical", "Revised", "Hardcover",
                    "Paperback"),
    ),
    _leaf(
        "books/childrens", "Children's Books",
        permille=8, price=10, sigma=0.4, cost=(0.48, 0.62), returns=0.03, style="books",
        nouns=("Picture Book", "Board Book", "Chapter Book", "Activity Book", "Early Reader", "Coloring Book",
               "Pop-Up Book"),
        adjectives=("Illustrated", "Bedtime", "Interactive", "Lift-the-Flap", "Rhyming", "Beloved", "First"),
    ),
    # ---- Jewelry & Watches (3%) ------------------------------------------------------------------------
    _leaf(
        "jewelry-watches/watches", "Watches",
        permille=10, price=250, sigma=0.9, cost=(0.45, 0.62), returns=0.09, style="luxury", season="holiday",
        nouns=("Chronograph", "Dive Watch", "Dress Watch", "Smartwatch", "Field Watch", "Automatic Watch",
               "Pilot Watch"),
        adjectives=("Swiss-Made", "Automatic", "Minimalist", "Water-Resistant", "Sapphire",
                    "Vintage-Inspired", "Skeleton"),
        colors=_COLORS_WATCH,
        materials=("Stainless Steel", "Titanium", "Leather", "Ceramic", "Gold-Plated Steel"),
    ),
    _leaf(
        "jewelry-watches/fine-jewelry", "Fine Jewelry",
        permille=8, price=300, sigma=0.8, cost=(0.40, 0.58), returns=0.10, style="luxury", season="holiday",
        nouns=("Diamond Ring", "Stud Earrings", "Pendant Necklace", "Tennis Bracelet", "Hoop Earrings",
               "Engagement Ring", "Wedding Band", "Chain Necklace"),
        adjectives=("Solitaire", "Handcrafted", "Dainty", "Classic", "Vintage", "Eternity", "Halo"),
        colors=_COLORS_METAL,
        materials=("14K Gold", "18K Gold", "Sterling Silver", "Platinum", "Diamond", "Pearl"),
    ),
    _leaf(
        "jewelry-watches/fashion-jewelry", "Fashion Jewelry",
        permille=12, price=25, sigma=0.6, cost=(0.22, 0.38), returns=0.06, style="fashion",
        nouns=("Statement Necklace", "Hoop Earrings", "Charm Bracelet", "Stackable Ring", "Anklet",
               "Layered Necklace", "Cuff Bracelet"),
        adjectives=("Boho", "Beaded", "Chunky", "Minimalist", "Dainty", "Layered", "Hammered"),
        colors=_COLORS_METAL,
        materials=("Brass", "Gold-Plated Brass", "Stainless Steel", "Resin", "Glass Beads"),
    ),
    # ---- Pet Supplies (4%) -----------------------------------------------------------------------------
    _leaf(
        "pet-supplies/dog-food", "Dog Food",
        permille=14, price=45, sigma=0.45, cost=(0.62, 0.78), returns=0.03, style="pet",
        nouns=("Dry Dog Food", "Wet Dog Food", "Puppy Food", "Dog Treats", "Dental Chews", "Senior Dog Food"),
        adjectives=("Grain-Free", "High-Protein", "Natural", "Limited-Ingredient", "Salmon",
                    "Chicken & Rice", "Lamb"),
        sizes=("4 lb", "12 lb", "24 lb", "30 lb"),
    ),
    _leaf(
        "pet-supplies/cat-food", "Cat Food",
        permille=10, price=35, sigma=0.45, cost=(0.62, 0.78), returns=0.03, style="pet",
        nouns=("Dry Cat Food", "Wet Cat Food", "Kitten Food", "Cat Treats", "Pate", "Indoor Cat Food"),
        adjectives=("Grain-Free", "Tuna", "Chicken", "Salmon", "Hairball-Control", "Natural",
                    "High-Protein"),
        sizes=("3 lb", "7 lb", "12 lb", "16 lb"),
    ),
    _leaf(
        "pet-supplies/toys-accessories", "Pet Toys & Accessories",
        permille=16, price=25, sigma=0.7, cost=(0.35, 0.55), returns=0.07, style="pet",
        nouns=("Dog Bed", "Cat Tree", "Leash", "Collar", "Chew Toy", "Litter Box", "Pet Carrier", "Harness",
               "Food Bowl"),
        adjectives=("Orthopedic", "Reflective", "Durable", "Washable", "Self-Cleaning", "Adjustable",
                    "Calming"),
        sizes=_SIZES_PET, colors=_COLORS_PET,
        materials=("Nylon", "Plush", "Rubber", "Leather", "Cotton Rope"),
    ),
    # ---- Grocery & Gourmet (3.5%) ----------------------------------------------------------------------
    _leaf(
        "grocery/coffee-tea", "Coffee & Tea",
        permille=14, price=15, sigma=0.4, cost=(0.50, 0.70), returns=0.02, style="food",
        nouns=("Whole Bean Coffee", "Ground Coffee", "Coffee Pods", "Green Tea", "Black Tea", "Herbal Tea",
               "Cold Brew Concentrate", "Matcha"),
        adjectives=("Organic", "Single-Origin", "Dark Roast", "Medium Roast", "Decaf", "Fair Trade",
                    "Loose-Leaf"),
    ),
    _leaf(
        "grocery/snacks", "Snacks",
        permille=12, price=8, sigma=0.4, cost=(0.55, 0.75), returns=0.02, style="food",
        nouns=("Trail Mix", "Potato Chips", "Dark Chocolate Bar", "Protein Bar", "Popcorn", "Beef Jerky",
               "Crackers", "Dried Fruit"),
        adjectives=("Organic", "Sea Salt", "Gluten-Free", "Kettle-Cooked", "Low-Sugar", "Spicy",
                    "Family-Size"),
    ),
    _leaf(
        "grocery/pantry", "Pantry Staples",
        permille=9, price=10, sigma=0.5, cost=(0.50, 0.70), returns=0.02, style="food",
        nouns=("Olive Oil", "Pasta", "Honey", "Hot Sauce", "Maple Syrup", "Balsamic Vinegar", "Spice Blend",
               "Granola"),
        adjectives=("Extra Virgin", "Organic", "Artisan", "Small-Batch", "Raw", "Imported", "Smoked"),
    ),
)
# fmt: on


def _build_categories() -> tuple[Category, ...]:
    """Pre-order tree: each inner node is emitted just before the first leaf beneath it."""
    out: list[Category] = []
    seen: set[str] = set()
    for name, profile in _LEAF_SPECS:
        parts = profile.key.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key in seen:
                continue
            seen.add(key)
            parent = "/".join(parts[: depth - 1]) or None
            display = name if depth == len(parts) else _BRANCH_NAMES[key]
            out.append(Category(key=key, name=display, parent_key=parent, level=depth))
    return tuple(out)


CATEGORIES: tuple[Category, ...] = _build_categories()
LEAVES: tuple[LeafProfile, ...] = tuple(profile for _, profile in _LEAF_SPECS)

BRAND_SUFFIXES: dict[str, tuple[str, ...]] = {
    "fashion": ("Studio", "Atelier", "& Co.", "Collective", "Label", "Apparel", "House"),
    "tech": ("Labs", "Audio", "Systems", "Tech", "Electronics", "Digital", "Devices"),
    "home": ("Home", "Living", "Interiors", "Goods", "Kitchen", "Mercantile"),
    "beauty": ("Beauty", "Cosmetics", "Skin", "Botanicals", "Naturals", "Apothecary"),
    "sport": ("Athletics", "Sport", "Outdoors", "Performance", "Gear", "Active"),
    "food": ("Foods", "Farms", "Provisions", "Pantry", "Roasters", "Kitchen"),
    "kids": ("Kids", "Little Ones", "Play", "Toys", "Tots", "Junior"),
    "luxury": ("Maison", "Paris", "& Sons", "Geneva", "Milano", "Fine Jewelry"),
    "pet": ("Pets", "Paws", "Pet Co.", "Companions", "Tails", "Pet Supply"),
    "books": ("Press", "Books", "Publishing", "House", "Editions", "Library"),
}


def leaf_weights() -> np.ndarray:
    """Product share per leaf as float64, aligned with ``LEAVES``, normalized to sum to 1 (fresh array)."""
    w = np.fromiter((leaf.weight for leaf in LEAVES), dtype=np.float64, count=len(LEAVES))
    return w / w.sum()
