//! `#[component]`, the attribute that exports a Rust type as an airssys component.
//! Use it through `airssys_wasm_sdk`, which re-exports it and documents it.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{quote, quote_spanned};
use syn::{parse_macro_input, Item};

/// Exports the type as the `airssys:core/component` world. The type must
/// implement `airssys_wasm_sdk::Component`; a crate has exactly one component.
#[proc_macro_attribute]
pub fn component(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = proc_macro2::TokenStream::from(args);
    let item = parse_macro_input!(item as Item);
    match expand(args, item) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(args: proc_macro2::TokenStream, item: Item) -> syn::Result<proc_macro2::TokenStream> {
    if !args.is_empty() {
        // `new_spanned`, not `args.span()`: on stable a token stream's span is only
        // its first token, and the whole argument list should be underlined.
        return Err(syn::Error::new_spanned(
            args,
            "#[component] takes no arguments: the name, version and description come from \
             Cargo.toml (override `Component::describe` to change them)",
        ));
    }
    let (ident, generics) = match &item {
        Item::Struct(s) => (&s.ident, &s.generics),
        Item::Enum(e) => (&e.ident, &e.generics),
        other => return Err(misplaced(other)),
    };
    if !generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            generics,
            "a component type cannot have generic or lifetime parameters: the host makes one \
             concrete value per instance",
        ));
    }
    let sdk = quote!(::airssys_wasm_sdk);
    let private = quote!(#sdk::__private);
    // Spanned at the type's name, so a missing impl points at the user's type.
    let check = quote_spanned! {ident.span()=>
        const _: () = {
            fn implements_component<T: #sdk::Component>() {}
            let _ = implements_component::<#ident>;
        };
    };
    // The marker is exported at the crate root: a second #[component] in the same
    // crate is a compile error naming it, not a duplicate-symbol link error.
    let once = quote_spanned! {Span::call_site()=>
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __airssys_wasm_sdk_allows_one_component_per_crate {
            () => {};
        }
    };
    Ok(quote! {
        #item

        #check

        #once

        // The wasm exports; native builds (unit tests with TestHost) need none.
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            ::std::thread_local! {
                static INSTANCE: ::core::cell::RefCell<::core::option::Option<#ident>> =
                    const { ::core::cell::RefCell::new(::core::option::Option::None) };
            }

            struct AirssysExport;

            impl #private::Guest for AirssysExport {
                fn init(
                    config: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                ) -> ::core::result::Result<(), #private::bindings::airssys::core::types::ComponentError> {
                    #private::init::<#ident>(&INSTANCE, config)
                }

                fn execute(
                    input: #private::bindings::airssys::core::types::ComponentInput,
                ) -> ::core::result::Result<
                    #private::bindings::airssys::core::types::ComponentOutput,
                    #private::bindings::airssys::core::types::ComponentError,
                > {
                    #private::execute::<#ident>(&INSTANCE, input)
                }

                fn shutdown() {
                    #private::shutdown::<#ident>(&INSTANCE)
                }

                fn describe() -> #private::bindings::airssys::core::types::ComponentMetadata {
                    #private::describe::<#ident>(
                        ::core::env!("CARGO_PKG_NAME"),
                        ::core::env!("CARGO_PKG_VERSION"),
                        ::core::env!("CARGO_PKG_DESCRIPTION"),
                    )
                }

                fn health() -> #private::bindings::airssys::core::types::HealthStatus {
                    #private::health::<#ident>(&INSTANCE)
                }
            }

            #private::bindings::export!(AirssysExport with_types_in #private::bindings);
        };
    })
}

/// The error for `#[component]` on an item that is not a struct or enum, at the
/// item's name (or, for an impl block, its `impl ... for Type` header).
fn misplaced(item: &Item) -> syn::Error {
    const WHERE: &str = "#[component] goes on the struct or enum that implements \
                         `airssys_wasm_sdk::Component`";
    match item {
        Item::Impl(i) => {
            let self_ty = &i.self_ty;
            let header = match &i.trait_ {
                Some((bang, path, for_token)) => quote!(#bang #path #for_token #self_ty),
                None => quote!(#self_ty),
            };
            let impl_token = i.impl_token;
            let target = match &**self_ty {
                syn::Type::Path(p) => match p.path.segments.last() {
                    Some(last) => format!("the definition of `{}`", last.ident),
                    None => "the type's definition".to_string(),
                },
                _ => "the type's definition".to_string(),
            };
            syn::Error::new_spanned(
                quote!(#impl_token #header),
                format!("{WHERE}, not on an impl block: put it on {target}"),
            )
        }
        Item::Fn(f) => syn::Error::new(
            f.sig.ident.span(),
            format!(
                "{WHERE}, not on a function: make a type, implement `Component` for it and \
                 handle requests in `Component::execute`"
            ),
        ),
        Item::Trait(t) => syn::Error::new(t.ident.span(), WHERE),
        Item::Mod(m) => syn::Error::new(m.ident.span(), WHERE),
        Item::Type(t) => syn::Error::new(t.ident.span(), WHERE),
        Item::Union(u) => syn::Error::new(u.ident.span(), WHERE),
        other => syn::Error::new_spanned(other, WHERE),
    }
}
